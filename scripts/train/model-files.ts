// Where the trained models live (plugins/<name>/model/) and how their files are written:
// compact JSON for weights and figures, Markdown for the model card.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasSet, REPO_ROOT } from "./dataset.ts";
import { dataDir } from "../../core/testing.ts";

/** The model folder of plugin `name`. */
export function modelDir(name: string): string {
  return join(REPO_ROOT, "plugins", name, "model");
}

/** Writes `value` as JSON to plugins/<name>/model/<file>. */
export function writeModelJson(name: string, file: string, value: unknown): void {
  writeFileSync(join(modelDir(name), file), JSON.stringify(value) + "\n");
}

/** Reads plugins/<name>/model/<file> as JSON. */
export function readModelJson<T>(name: string, file: string): T {
  return JSON.parse(readFileSync(join(modelDir(name), file), "utf8")) as T;
}

/** Writes the model card of plugin `name`. */
export function writeModelCard(name: string, markdown: string): void {
  writeFileSync(join(modelDir(name), "MODEL_CARD.md"), markdown.trimEnd() + "\n");
}

/** Exits with a clear message unless every `sets` folder is in the data folder. */
export function requireSets(...sets: string[]): void {
  const missing = sets.filter((set) => !hasSet(set));
  if (missing.length > 0) {
    console.error(`The speech data is missing (${missing.join(", ")} under ${dataDir()}); set PARLEY_DATA to the shared data folder.`);
    process.exit(2);
  }
}

/** `value` with every number rounded to `digits` significant digits (fold models are stored coarser than the deployed ones). */
export function roundNumbers<T>(value: T, digits: number): T {
  return JSON.parse(JSON.stringify(value, (_key, item) => (typeof item === "number" ? Number(item.toPrecision(digits)) : item))) as T;
}
