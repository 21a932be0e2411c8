// `bench:load` over several caller counts: a list (`--sessions 50,100,200,300`) or a search for the
// largest count that passes (`--find-capacity`, load-capacity.ts). Each count runs in a fresh
// process of its own (bench/load.ts), so no run inherits another's memory, workers or JIT state;
// the table is printed and written beside the single runs' results.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ROOT, scriptCommand } from "./child-script.ts";
import { loadArgs, type LoadOptions, resultsPath, seriesResultsPath } from "./load-args.ts";
import { type CapacityRow, capacityFailures, CPU_LIMIT_PERCENT, FINAL_P99_LIMIT_MS, P99_LIMIT_MS, searchCapacity } from "./load-capacity.ts";
import type { LoadResults } from "./load-run.ts";

const LOAD = fileURLToPath(new URL("./load.ts", import.meta.url));
/** Counts a capacity search moves by, per profile: the recogniser's are a few callers, the media path's hundreds. */
const SEARCH = { plain: { step: 50, max: 2000 }, default: { step: 25, max: 1000 }, recognizer: { step: 1, max: 64 } };

/** Runs bench/load.ts once with `options` (one count) in a process of its own; resolves with its results. */
function runOnce(options: LoadOptions): Promise<LoadResults> {
  const child = spawn(process.execPath, scriptCommand(LOAD, loadArgs(options)), { cwd: ROOT, stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`bench/load.ts --sessions ${options.sessions[0]} exited with ${code}`));
      else resolve(JSON.parse(readFileSync(resultsPath(options), "utf8")) as LoadResults);
    });
  });
}

/** The table row of one run. */
function rowOf(results: LoadResults): CapacityRow {
  const r = results.recognition;
  return {
    callers: results.sessions,
    cpuPercent: results.server.cpuPercentOfOneCore,
    p50Ms: results.latencyMs.packetToSubscriber.p50,
    p99Ms: results.latencyMs.packetToSubscriber.p99,
    lagP99Ms: results.server.eventLoopLagMs.p99,
    framesMissing: results.loss.framesMissing,
    packetsLost: results.loss.packetsLost,
    openFailures: results.generator.openFailures,
    rssBeforeMb: results.memory.before.rssMb,
    rssDuringMb: results.memory.steadyEnd.rssMb,
    rssPerCallerMb: results.memory.rssPerCallerMb,
    recognition: r ? { errors: r.errors, errorsByReason: r.errorsByReason, transcripts: r.transcripts, finalP99AtMostMs: r.finalLatencyMs?.p99AtMostMs ?? null } : null,
  };
}

/** The row of a run that did not finish: no figures. */
function failedRow(callers: number): CapacityRow {
  return { callers, cpuPercent: NaN, p50Ms: NaN, p99Ms: NaN, lagP99Ms: NaN, framesMissing: NaN, packetsLost: NaN, openFailures: NaN, rssBeforeMb: NaN, rssDuringMb: NaN, rssPerCallerMb: NaN, recognition: null };
}

function formatRow(row: CapacityRow & { pass: boolean }): string {
  const r = row.recognition;
  const recognition = r ? ` | ${String(r.transcripts).padStart(5)} finals, final p99 <= ${r.finalP99AtMostMs ?? "inf"} ms, ${r.errors} errors` : "";
  return `${String(row.callers).padStart(7)} | ${String(row.cpuPercent).padStart(6)}% | ${String(row.p50Ms).padStart(6)} | ${String(row.p99Ms).padStart(6)} | ${String(row.lagP99Ms).padStart(6)} | ${String(row.framesMissing + row.packetsLost).padStart(5)} | ${String(row.rssDuringMb).padStart(7)} | ${String(row.rssPerCallerMb).padStart(6)} | ${row.pass ? "pass" : "FAIL"}${recognition}`;
}

/** Runs the series `options` asks for, prints the table and writes it (seriesResultsPath). */
export async function runSeries(options: LoadOptions): Promise<void> {
  const rows: (CapacityRow & { pass: boolean; failures: string[] })[] = [];
  const run = async (count: number) => {
    let row: CapacityRow;
    let failures: string[];
    try {
      row = rowOf(await runOnce({ ...options, sessions: [count], findCapacity: false }));
      failures = capacityFailures(row, options.profile);
    } catch (error) {
      // A run that cannot finish fails its count; the series goes on.
      row = failedRow(count);
      failures = [error instanceof Error ? error.message : String(error)];
    }
    rows.push({ ...row, pass: failures.length === 0, failures });
    console.log(`\n== ${count} callers: ${failures.length === 0 ? "pass" : `fail (${failures.join("; ")})`}\n`);
    return failures.length === 0;
  };
  let capacity: number | null = null;
  if (options.findCapacity) capacity = await searchCapacity(options.sessions[0]!, run, SEARCH[options.profile]);
  else for (const count of options.sessions) await run(count);
  rows.sort((a, b) => a.callers - b.callers);
  const criteria = options.profile === "recognizer"
    ? `no asr.error (engine_busy included), a final per caller at least, final p99 <= ${FINAL_P99_LIMIT_MS} ms`
    : `p99 < ${P99_LIMIT_MS} ms, no loss, CPU < ${CPU_LIMIT_PERCENT}% of a core`;
  const path = seriesResultsPath(options);
  writeFileSync(path, JSON.stringify({ date: new Date().toISOString(), cpus: availableParallelism(), options, criteria, capacity, rows }, null, 2) + "\n");
  console.log(`${options.profile} profile, ${options.seconds} s per count; pass: ${criteria}
callers |    CPU |  p50ms |  p99ms |  lag99 |  loss | RSS MB | MB/caller | verdict
${rows.map(formatRow).join("\n")}${capacity === null ? "" : `\nlargest passing count: ${capacity}`}
wrote ${path}`);
}
