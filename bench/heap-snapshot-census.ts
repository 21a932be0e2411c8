// Object counts by constructor name from a V8 heap snapshot (node:v8 writeHeapSnapshot), and the
// difference between two of them: what grows between the first and the last wave of a soak, and
// by how many objects per call, names what a call leaves behind.
import { readFileSync } from "node:fs";

/** Objects of one constructor: how many, and their own bytes. */
export interface ConstructorCount {
  count: number;
  bytes: number;
}

/** What grew between two snapshots, per constructor. */
export interface ConstructorGrowth {
  name: string;
  count: number;
  bytes: number;
}

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Node types counted: JavaScript objects and closures (native code and strings say little about who holds them). */
const COUNTED_TYPES = new Set(["object", "closure", "array"]);

/** Counts a snapshot's objects by constructor name. */
export function countByConstructor(file: string): Map<string, ConstructorCount> {
  const heap = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshotFile;
  const fields = heap.snapshot.meta.node_fields;
  const typeNames = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const counts = new Map<string, ConstructorCount>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = typeNames[heap.nodes[i + typeAt]!]!;
    if (!COUNTED_TYPES.has(type)) continue;
    const name = type === "object" ? heap.strings[heap.nodes[i + nameAt]!]! : `(${type}) ${heap.strings[heap.nodes[i + nameAt]!]}`;
    const entry = counts.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[i + sizeAt]!;
    counts.set(name, entry);
  }
  return counts;
}

/** The constructors whose count grew most from `before` to `after`, at most `limit` of them. */
export function growth(before: Map<string, ConstructorCount>, after: Map<string, ConstructorCount>, limit = 25): ConstructorGrowth[] {
  const grown: ConstructorGrowth[] = [];
  for (const [name, { count, bytes }] of after) {
    const was = before.get(name) ?? { count: 0, bytes: 0 };
    if (count > was.count) grown.push({ name, count: count - was.count, bytes: bytes - was.bytes });
  }
  return grown.sort((a, b) => b.count - a.count).slice(0, limit);
}
