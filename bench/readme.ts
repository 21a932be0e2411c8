// `npm run bench:readme`: rewrites the README's cost-per-call tables from bench/recorded/before.json
// (the code before issue 11) and bench/recorded/after.json. `--record` first copies the latest
// full `npm run bench` (bench/results.json) to after.json; a quick run is refused.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { costPerCallMarkdown, type RecordedResults, replaceBlock } from "./perf-markdown.ts";

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const read = (relative: string) => JSON.parse(readFileSync(path(relative), "utf8")) as RecordedResults & { quick?: boolean };

if (process.argv.includes("--record")) {
  if (read("./results.json").quick) throw new Error("bench:readme --record: bench/results.json is from a --quick run; record a full `npm run bench`");
  copyFileSync(path("./results.json"), path("./recorded/after.json"));
}
const readme = path("../README.md");
writeFileSync(readme, replaceBlock(readFileSync(readme, "utf8"), costPerCallMarkdown(read("./recorded/before.json"), read("./recorded/after.json"))));
console.log("bench:readme: README.md's cost-per-call tables rewritten from bench/recorded/");
