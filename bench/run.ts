// `npm run bench` / `deno task bench`: times the per-packet work of the media path, prints a table,
// writes bench/results.json, and exits non-zero when a gate (bench/gates.ts) fails.
// `--quick` shortens each task to 200 ms for CI; the gates are evaluated all the same.
// `--only analytics,ingest` runs just those suites (and the Opus baseline) and the gates they measure.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { evaluateGates, GATES, type GateResult } from "./gates.ts";
import { bitrateKbps, speechOpusPackets } from "./speech-packets.ts";
import { consumedResults, timeBatch, type BenchSuite } from "./suite.ts";
import { analyticsSuite } from "./suites/analytics.ts";
import { g711Suite } from "./suites/g711.ts";
import { ingestSuite } from "./suites/ingest.ts";
import { jitterBufferSuite } from "./suites/jitter-buffer.ts";
import { mixerSuite } from "./suites/mixer.ts";
import { opusSuite } from "./suites/opus.ts";
import { productSuite } from "./suites/product.ts";
import { recordingSuite } from "./suites/recording.ts";
import { resamplerSuite } from "./suites/resampler.ts";
import { rtpParseSuite } from "./suites/rtp-parse.ts";
import { webrtcIngestSuite } from "./suites/webrtc-ingest.ts";

/** One task's figures, per call, in bench/results.json. */
interface TaskFigures {
  name: string;
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  opsPerSec: number;
  samples: number;
  callsPerSample: number;
}

const quick = process.argv.includes("--quick");
const RESULTS = fileURLToPath(new URL("./results.json", import.meta.url));

// Built lazily so `--only` skips the fixtures of the suites it leaves out (the WebRTC one opens sockets).
const SUITES: Record<string, () => BenchSuite | Promise<BenchSuite>> = {
  opus: opusSuite,
  "rtp-parse": rtpParseSuite,
  "jitter-buffer": jitterBufferSuite,
  g711: g711Suite,
  resampler: resamplerSuite,
  mixer: mixerSuite,
  // Before the suites that run servers: their garbage would be collected in its frames.
  recording: recordingSuite,
  ingest: ingestSuite,
  "webrtc-ingest": webrtcIngestSuite,
  analytics: analyticsSuite,
  product: productSuite,
};
const onlyArgument = process.argv.indexOf("--only");
const only = onlyArgument < 0 ? Object.keys(SUITES) : ["opus", ...(process.argv[onlyArgument + 1] ?? "").split(",")];
const unknown = only.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`bench: no suite ${unknown.join(", ")}; the suites are ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
const suites: BenchSuite[] = [];
for (const name of new Set(only)) suites.push(await SUITES[name]!());
const cases = suites.flatMap((suite) => suite.cases);
const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: quick ? 50 : 250, throws: true });
for (const benchCase of cases) bench.add(benchCase.name, () => timeBatch(benchCase), { async: false });
bench.runSync();
const reports: Record<string, unknown> = {};
for (const suite of suites) if (suite.report) reports[suite.name] = await suite.report();
for (const suite of suites) await suite.close?.();

const figures: TaskFigures[] = cases.map((benchCase) => {
  const result = bench.getTask(benchCase.name)?.result;
  if (result?.state !== "completed") throw new Error(`${benchCase.name} did not complete (${result?.state})`);
  const { mean, p50, p99, samplesCount } = result.latency;
  const round = (ms: number) => Math.round(ms * 1e7) / 10;
  return {
    name: benchCase.name,
    meanNs: round(mean),
    p50Ns: round(p50),
    p99Ns: round(p99),
    opsPerSec: Math.round(1000 / mean),
    samples: samplesCount,
    callsPerSample: benchCase.batch,
  };
});
const measured = new Set(cases.map((benchCase) => benchCase.name));
const measuredGates = GATES.filter((gate) => measured.has(gate.task));
const gates = evaluateGates(measuredGates, new Map(figures.map((task) => [task.name, { mean: task.meanNs, p50: task.p50Ns }])));
const pass = gates.every((gate) => gate.pass);
const opusKbps = Math.round(bitrateKbps(speechOpusPackets(5)) * 10) / 10;

printTable(figures);
printGates(gates);
writeFileSync(
  RESULTS,
  JSON.stringify({
    runtime: `${bench.runtime} ${bench.runtimeVersion}`,
    date: new Date().toISOString(),
    quick,
    timePerTaskMs: bench.time,
    opusBitrateKbps: opusKbps,
    tasks: figures,
    reports,
    gates,
    pass,
    checksum: consumedResults(),
  }, null, 2) + "\n",
);
console.log(`\n${bench.runtime} ${bench.runtimeVersion}${quick ? ", quick" : ""}; Opus packets: speech-like, ${opusKbps} kbit/s. Wrote ${RESULTS}`);
process.exit(pass ? 0 : 1);

function printTable(tasks: readonly TaskFigures[]): void {
  const rows = [
    ["task", "mean ns", "p99 ns", "ops/s", "samples", "calls/sample"],
    ...tasks.map((t) => [t.name, t.meanNs.toFixed(1), t.p99Ns.toFixed(1), t.opsPerSec.toLocaleString("en-US"), String(t.samples), String(t.callsPerSample)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
    if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
  }
}

function printGates(results: readonly GateResult[]): void {
  console.log("\ngates (time per call, as a ratio of the same run's baseline; the mean unless marked p50):");
  for (const [index, gate] of results.entries()) {
    const failure = gate.pass ? "" : `: ${measuredGates[index]!.why}`;
    console.log(`  ${gate.pass ? "pass" : "FAIL"}  ${gate.name} = ${gate.value ?? "n/a"} (limit ${gate.limit})${failure}`);
  }
}
