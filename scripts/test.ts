// Runs every uvu suite (`*.test.ts`), the same way under Node (tsx) and Deno, and ends with a
// plain `N passed, N failed` line that CI reads. Each test file runs in a process of its own, one
// after another: worker threads, native engines and timers one file leaves behind can neither
// slow nor break the files after it (in one shared process they made the whole run twice as slow),
// and the real-time tests still get the machine to themselves.
// Usage: `npm test [-- filter]` or `deno task test [filter]`; the filter is a substring of the path.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "test-output"]);
/** Argument that makes this script run one test file in its own process. */
const SINGLE = "--single";
const isDeno = "Deno" in globalThis;

function findTests(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Counts of a run, from uvu's totals or from a child's closing line. */
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function closingLine({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

/** Runs the suites of one file in this process and prints its closing line. */
async function runFile(file: string): Promise<Counts> {
  const uvuGlobals = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: unknown[][]; UVU_INDEX: number };
  uvuGlobals.UVU_DEFER = 1;
  uvuGlobals.UVU_QUEUE = [[relative(ROOT, file)]];
  uvuGlobals.UVU_INDEX = 0;
  const { exec } = await import("uvu");
  await import(pathToFileURL(file).href);
  // uvu prints its own totals; capture them to count.
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
  // A file whose suites never ran (an import that threw) counts as one failure.
  return { passed, failed: total === 0 ? 1 : total - passed - skipped, skipped };
}

/** Runs one file in a child process of the same runtime; its output goes straight through. */
function runChild(file: string): Promise<Counts> {
  const script = [join(ROOT, "scripts/test.ts"), SINGLE, file];
  const args = isDeno ? ["run", "-A", ...script] : ["--import", "tsx", ...script];
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      process.stdout.write(chunk);
    });
    child.on("close", (code) => {
      const line = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m.exec(output.split("\n").filter(Boolean).at(-1) ?? "");
      if (!line) {
        console.log(`${relative(ROOT, file)}: ended (exit ${code}) without a result`);
        return resolveRun({ passed: 0, failed: 1, skipped: 0 });
      }
      const counts = { passed: Number(line[1]), failed: Number(line[2]), skipped: Number(line[3] ?? 0) };
      // A child that exits non-zero after reporting success still failed (a crash on the way out).
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      resolveRun(counts);
    });
  });
}

const single = process.argv.indexOf(SINGLE);
if (single >= 0) {
  const counts = await runFile(resolve(process.argv[single + 1]!));
  console.log(closingLine(counts));
  process.exit(counts.failed > 0 ? 1 : 0);
}

const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const files = findTests(ROOT, []).filter((file) => filters.length === 0 || filters.some((f) => relative(ROOT, file).includes(f)));
const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
const started = performance.now();
for (const file of files) {
  const counts = await runChild(file);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}
console.log(`\n${files.length} test files in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(closingLine(totals));
process.exit(totals.failed > 0 || files.length === 0 ? 1 : 0);
