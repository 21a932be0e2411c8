// `npm run fuzz -- [--count N] [--seed S]`: the abuse and fuzz suite against the default server
// (scripts/fuzz/run.ts); prints what it saw and exits non-zero when the server failed anything.
import { parseArgs } from "node:util";
import { describe, problemsOf, runFuzz } from "./fuzz/run.ts";

const { values } = parseArgs({ options: { count: { type: "string", default: "20000" }, seed: { type: "string", default: "1" } } });
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 100 || !Number.isInteger(seed)) {
  console.error("usage: npm run fuzz -- [--count N (at least 100)] [--seed S]");
  process.exit(2);
}
const report = await runFuzz({ count, seed, log: (line) => console.log(line) });
for (const line of describe(report)) console.log(line);
const problems = problemsOf(report);
for (const problem of problems) console.log(`PROBLEM: ${problem}`);
console.log(problems.length === 0 ? "the server held" : `${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
