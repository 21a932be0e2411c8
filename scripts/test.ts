// Runs every uvu suite (`*.test.ts`) in one process, the same way under Node (tsx) and Deno,
// and ends with a plain `N passed, N failed` line that CI reads.
// Usage: `npm test [-- filter]` or `deno task test [filter]`; the filter is a substring of the path.
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "test-output"]);

function findTests(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const files = findTests(ROOT, []).filter((file) =>
  filters.length === 0 || filters.some((f) => relative(ROOT, file).includes(f))
);

const uvuGlobals = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: unknown[][]; UVU_INDEX: number };
uvuGlobals.UVU_DEFER = 1;
uvuGlobals.UVU_QUEUE = [];
const { exec } = await import("uvu");

for (const [index, file] of files.entries()) {
  uvuGlobals.UVU_INDEX = index;
  uvuGlobals.UVU_QUEUE.push([relative(ROOT, file)]);
  await import(pathToFileURL(file).href);
}

// uvu prints its own totals; capture them to print the closing line CI counts.
let captured = "";
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  captured += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  return write(chunk, ...rest);
}) as typeof process.stdout.write;
await exec(false);
process.stdout.write = write;

// deno-lint-ignore no-control-regex
const plain = captured.replace(/\x1b\[[0-9;]*m/g, "");
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const failed = total - passed - skipped;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || total === 0 ? 1 : 0);
