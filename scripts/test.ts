// Runs every uvu suite (`*.test.ts`), the same way under Node (tsx) and Deno, and ends with a
// plain `N passed, N failed, N skipped` line that CI reads. Each test file runs in a process of its
// own: worker threads, native engines and timers one file leaves behind can neither slow nor break
// the files after it (in one shared process they made the whole run twice as slow).
// Unit files run two at a time; end-to-end files (`*.e2e.test.ts`: they start a server, a child
// process, a worker or a browser) run afterwards, three at a time: most of their time is spent
// waiting on calls in real time, and the port pools skip ports another process holds. A file that
// needs the machine to itself (a browser on a call, audio quality or latency judged under
// real-time load) says so with a line `// test: alone` near its top; those run one at a time after
// the others. Batch files
// (`*.batch.test.ts`: long and CPU-bound, with nothing in real time, such as re-evaluating the
// models on the data) run in a lane of their own beside the unit files, and in the unit files'
// lanes too once those are done, so that the unit phase keeps both cores busy to its end instead of
// their minutes coming after it. Beside the end-to-end files they were cheaper still, but a browser
// test of the whole product starved of CPU failed there.
// A test that cannot run here calls `skip(reason)` (core/test-skip.ts): it counts as skipped, not
// passed, and the reasons are listed at the end; under PARLEY_STRICT=1 every skip is a failure.
// Usage: `npm test [-- filter]` or `deno task test [filter]`; the filter is a substring of the path.
// `--phase=unit|shared|alone[,...]` runs only those phases (the unit and batch files, the end-to-end
// files that share the machine, those run alone): CI runs each phase under both runtimes before the
// next, so that mediasoup's build has the idle CPU of both shared phases.
// Files that take a minute or more say `// test: long` near the top and start first in their phase.
// PARLEY_TEST_JOBS sets how many unit files run at once (default 2), PARLEY_E2E_JOBS how many
// end-to-end files not marked alone (default one more: at two they left the CPU 45% idle, and at
// three Deno's run of them took 84 s less).
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { collectSkips } from "../core/test-skip.ts";
import { mediasoupBuildDone } from "../core/webrtc/mediasoup-testing.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "test-output"]);
/** Argument that makes this script run one test file in its own process. */
const SINGLE = "--single";
/** How a child reports each skipped test, one line each, before its closing line. */
const SKIPPED_LINE = "SKIPPED: ";
const isDeno = "Deno" in globalThis;
const strict = process.env.PARLEY_STRICT === "1";

function findTests(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** End-to-end files run one at a time (see the header). */
const isEndToEnd = (file: string) => file.endsWith(".e2e.test.ts");
/** Batch files run one at a time beside the unit files (see the header). */
const isBatch = (file: string) => file.endsWith(".batch.test.ts");
/** Whether a line `// test: <word>` near the top of `file` marks it (see the header). */
const marked = (file: string, word: "alone" | "long") => new RegExp(`^// test: ${word}\\b`, "m").test(readFileSync(file, "utf8").slice(0, 4000));

/** End-to-end files that need the machine to themselves: `// test: alone`. */
const runsAlone = (file: string) => marked(file, "alone");

/** Files that take a minute or more: `// test: long`; each phase starts them first, so that no lane is left with one at its end. */
const runsLong = (file: string) => marked(file, "long");

/** `files` with the long ones first, in their order otherwise. */
const longFirst = (files: string[]) => [...files.filter(runsLong), ...files.filter((file) => !runsLong(file))];

/** Counts of a run, from uvu's totals or from a child's closing line, and why tests were skipped. */
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** One `file: reason` per skipped test. */
  skips: string[];
}

function closingLine({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

// deno-lint-ignore no-control-regex
const plainText = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * Runs the suites of one file in this process. uvu knows nothing of skips decided at run time, so
 * the skips a test reports are held until uvu marks that test passed (its `• `), which then counts
 * as skipped instead and is shown as `- `.
 */
async function runFile(file: string): Promise<Counts> {
  const name = relative(ROOT, file);
  const pending: string[] = [];
  const skips: string[] = [];
  const takePending = () => skips.push(`${name}: ${[...new Set(pending.splice(0))].join("; ")}`);
  collectSkips((reason) => pending.push(reason));
  const uvuGlobals = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: unknown[][]; UVU_INDEX: number };
  uvuGlobals.UVU_DEFER = 1;
  uvuGlobals.UVU_QUEUE = [[name]];
  uvuGlobals.UVU_INDEX = 0;
  const { exec } = await import("uvu");
  await import(pathToFileURL(file).href);
  // Skipped while loading, before any test ran: the whole file counts as one skipped test.
  const fileSkipped = pending.length > 0 ? 1 : 0;
  if (fileSkipped) takePending();
  let captured = "";
  let skippedTests = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    const plain = plainText(text);
    if (plain === "• " && pending.length > 0) {
      skippedTests++;
      takePending();
      return write("- ", ...rest);
    }
    if (plain === "✘ ") pending.length = 0;
    captured += text;
    // uvu's totals count a skipped test as passed; the closing line printed after them is the count.
    if (/^\n  (Total|Passed|Skipped):/.test(plain)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  await exec(false);
  process.stdout.write = write;
  const plain = plainText(captured);
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // uvu's own count: tests marked `test.skip`, which its total leaves out.
  const uvuSkipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (uvuSkipped > 0) skips.push(`${name}: ${uvuSkipped} test(s) marked test.skip`);
  // A file whose suites never ran (an import that threw, no test registered) counts as one failure.
  const failed = total === 0 && fileSkipped === 0 ? 1 : total - passed;
  return { passed: passed - skippedTests, failed, skipped: skippedTests + uvuSkipped + fileSkipped, skips };
}

/** Runs one file in a child process of the same runtime; its output is printed as it comes, or all at once when it ends if `buffered`. */
function runChild(file: string, buffered: boolean): Promise<Counts> {
  const script = [join(ROOT, "scripts/test.ts"), SINGLE, file];
  // Deno takes V8's gc() only from its command line; Node's tests turn it on themselves (bench/live-census.ts).
  const args = isDeno ? ["run", "-A", "--v8-flags=--expose-gc", ...script] : ["--import", "tsx", ...script];
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", buffered ? "pipe" : "inherit"] });
    let output = "";
    const onData = (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      if (!buffered) process.stdout.write(chunk);
    };
    child.stdout!.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("close", (code) => {
      if (buffered) process.stdout.write(output);
      const lines = output.split("\n").filter(Boolean);
      const skips = lines.filter((line) => line.startsWith(SKIPPED_LINE)).map((line) => line.slice(SKIPPED_LINE.length));
      const line = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(lines.at(-1) ?? "");
      if (!line) {
        console.log(`${relative(ROOT, file)}: ended (exit ${code}) without a result`);
        return resolveRun({ passed: 0, failed: 1, skipped: 0, skips });
      }
      const counts = { passed: Number(line[1]), failed: Number(line[2]), skipped: Number(line[3]), skips };
      // A child that exits non-zero after reporting success still failed (a crash on the way out).
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      resolveRun(counts);
    });
  });
}

/** Wall-clock seconds each file took, to list the slowest at the end (CI has a time budget). */
const durations = new Map<string, number>();

/**
 * Runs files in lanes, one child per lane at a time, adding their counts to `totals`: each lane takes
 * the next file of the first of its queues that has one left (lanes that share a queue share its
 * files). Output is buffered per file when it shares the terminal.
 */
async function runLanes(lanes: string[][][], totals: Counts, buffered = lanes.length > 1): Promise<void> {
  const runLane = async (queues: string[][]) => {
    for (let file = next(queues); file !== undefined; file = next(queues)) {
      const began = performance.now();
      const counts = await runChild(file, buffered);
      durations.set(relative(ROOT, file), (performance.now() - began) / 1000);
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
      totals.skips.push(...counts.skips);
    }
  };
  await Promise.all(lanes.map(runLane));
}

/** The next file of the first of `queues` that has one left. */
function next(queues: string[][]): string | undefined {
  return queues.find((queue) => queue.length > 0)?.shift();
}

/** Runs `files` with at most `jobs` children at once. */
function runAll(files: string[], jobs: number, totals: Counts): Promise<void> {
  const queue = [...files];
  return runLanes(Array.from({ length: Math.min(jobs, files.length) }, () => [queue]), totals);
}

const single = process.argv.indexOf(SINGLE);
if (single >= 0) {
  const counts = await runFile(resolve(process.argv[single + 1]!));
  for (const reason of counts.skips) console.log(SKIPPED_LINE + reason);
  console.log(closingLine(counts));
  process.exit(counts.failed > 0 ? 1 : 0);
}

const PHASES = ["unit", "shared", "alone"] as const;
type Phase = (typeof PHASES)[number];
const phaseArg = process.argv.find((arg) => arg.startsWith("--phase="))?.slice("--phase=".length);
const phases = new Set<Phase>(phaseArg === undefined ? PHASES : (phaseArg.split(",") as Phase[]));
const unknownPhase = [...phases].find((phase) => !PHASES.includes(phase));
if (unknownPhase !== undefined) {
  console.error(`unknown phase ${JSON.stringify(unknownPhase)}: --phase=${PHASES.join("|")}[,...]`);
  process.exit(2);
}
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const inPhase = (file: string): Phase => (!isEndToEnd(file) ? "unit" : runsAlone(file) ? "alone" : "shared");
const files = findTests(ROOT, []).filter((file) => (filters.length === 0 || filters.some((f) => relative(ROOT, file).includes(f))) && phases.has(inPhase(file)));
const jobs = Math.max(1, Number(process.env.PARLEY_TEST_JOBS ?? 2) || 1);
const endToEndJobs = Math.max(1, Number(process.env.PARLEY_E2E_JOBS ?? jobs + 1) || 1);
const totals: Counts = { passed: 0, failed: 0, skipped: 0, skips: [] };
const started = performance.now();
/** Seconds each part of the run took, printed at the end (CI has a time budget). */
const phaseSeconds: string[] = [];
async function timed(name: string, run: () => Promise<void>): Promise<void> {
  const began = performance.now();
  await run();
  phaseSeconds.push(`${name} ${((performance.now() - began) / 1000).toFixed(0)} s`);
}
const batch = longFirst(files.filter(isBatch));
const unit = files.filter((file) => inPhase(file) === "unit" && !isBatch(file));
// One lane for the batch files from the start; once the unit files are done, their lanes take batch files too.
if (batch.length + unit.length > 0) await timed("unit and batch files", () => runLanes([[batch, unit], ...Array.from({ length: jobs }, () => [unit, batch])], totals, true));
const shared = longFirst(files.filter((file) => inPhase(file) === "shared"));
if (shared.length > 0) await timed("end-to-end files", () => runAll(shared, endToEndJobs, totals));
const alone = files.filter((file) => inPhase(file) === "alone");
if (alone.length > 0) {
  // CI builds mediasoup's worker beside the tests at the lowest priority; the files that need the
  // machine to themselves (and those that need the worker) wait for it to end.
  await timed("waiting for the mediasoup build", () => mediasoupBuildDone());
  await timed("files run alone", () => runAll(alone, 1, totals));
}
// Under PARLEY_STRICT=1 nothing may be skipped; skip() already fails the test, this catches test.skip.
if (strict && totals.skipped > 0) {
  console.log(`PARLEY_STRICT=1: ${totals.skipped} skipped test(s) count as failed`);
  totals.failed += totals.skipped;
  totals.skipped = 0;
}
if (totals.skips.length > 0) {
  const times = new Map<string, number>();
  for (const reason of totals.skips) times.set(reason, (times.get(reason) ?? 0) + 1);
  console.log(`\nSkipped (what is missing):`);
  for (const [reason, count] of [...times].sort()) console.log(`  ${reason}${count > 1 ? ` (${count} tests)` : ""}`);
}
const slowest = [...durations].sort((a, b) => b[1] - a[1]).slice(0, 25);
console.log(`\nSlowest files: ${slowest.map(([file, seconds]) => `${file} ${seconds.toFixed(0)} s`).join(", ")}`);
console.log(phaseSeconds.join(", "));
console.log(`\n${files.length} test files in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(closingLine(totals));
process.exit(totals.failed > 0 || files.length === 0 ? 1 : 0);
