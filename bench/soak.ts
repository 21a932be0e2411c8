// `npm run soak -- --minutes 30 --callers 20 --call-seconds 60`: the default server (every plugin
// `npm start` runs, from examples/default-plugins.ts) in this process, and waves of speaking
// callers from bench/load-generator.ts in another: each wave places `callers` Opus calls over
// loopback carrying real speech (the speech set), lets them talk for `call-seconds`, hangs them up
// by the API and waits for their sessions to end. After each wave, with the calls gone and a full
// garbage collection, it samples RSS, heap, external and ArrayBuffer memory, open descriptors and
// UDP sockets, and how many of the ended sessions are still alive (WeakRefs): the curve. It writes
// bench/soak-results.json and fails when RSS after the last wave exceeds RSS after the first by
// more than 5% (less is memory given back), or an ended session is still alive. A last sample,
// `--idle-seconds` (75) after the last call, shows what stays once the load is gone.
// `--heap-snapshots` also diffs V8 heap snapshots of the first and last wave by constructor (for
// finding what a call leaves behind; writing a snapshot grows RSS by about 90 MB that glibc
// keeps, so the RSS check means little then).
//
// Node needs --expose-gc (the npm script passes it); under Deno pass --v8-flags=--expose-gc, or
// the samples are taken without forcing a collection and the session census is reported skipped.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeHeapSnapshot } from "node:v8";
import { createServer } from "../core/mod.ts";
import { sampleProcess } from "../core/testing.ts";
import { useDefaultPlugins } from "../examples/default-plugins.ts";
import { runLoadGenerator } from "./generator-process.ts";
import { type ConstructorCount, type ConstructorGrowth, countByConstructor, growth } from "./heap-snapshot-census.ts";
import { collectGarbage, exposedGc, LiveCensus } from "./live-census.ts";

/** First RTP port: below Linux's ephemeral range, where the generator's sockets get theirs (as bench/load.ts). */
const RTP_PORT_BASE = 20000;
/** Longest the sessions of a wave may take to end after the generator hung them up (asr may hold one 5 s for a last transcript). */
const END_TIMEOUT_MS = 20_000;
/** RSS after the last wave may exceed RSS after the first by this share at most (less is memory given back, not kept). */
const RSS_TOLERANCE = 0.05;
/** The generator's streams run this long before its `--seconds` count (load-generator.ts `--warmup-seconds`, default 1). */
const GENERATOR_WARMUP_SECONDS = 1;
const RESULTS = fileURLToPath(new URL("./soak-results.json", import.meta.url));
const MB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    callers: { type: "string", default: "20" },
    "call-seconds": { type: "string", default: "60" },
    "pause-seconds": { type: "string", default: "5" },
    "idle-seconds": { type: "string", default: "75" },
    "heap-snapshots": { type: "boolean", default: false },
    "rtp-ports": { type: "string" },
  },
});
const minutes = Number(values.minutes);
const callers = Number(values.callers);
const callSeconds = Number(values["call-seconds"]);
const pauseSeconds = Number(values["pause-seconds"]);
const idleSeconds = Number(values["idle-seconds"]);
if (!(minutes > 0) || !Number.isInteger(callers) || callers < 1 || !(callSeconds > GENERATOR_WARMUP_SECONDS) || !(pauseSeconds >= 0) || !(idleSeconds >= 0)) {
  throw new Error("usage: soak.ts [--minutes 30] [--callers 20] [--call-seconds 60] [--pause-seconds 5] [--idle-seconds 75] [--heap-snapshots] [--rtp-ports min-max]");
}
const ports = values["rtp-ports"] ?? `${RTP_PORT_BASE}-${RTP_PORT_BASE + 2 * callers + 99}`;
const isDeno = "Deno" in globalThis;

/** The server's state after a wave, with its calls ended and garbage collected. */
interface WaveSample {
  wave: number;
  minutes: number;
  calls: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  fds: number | null;
  udpSockets: number | null;
  /** Ended sessions still reachable after the collection; null when gc is not exposed. */
  liveSessions: number | null;
  /** Recognition decoders built so far (parley_asr_decoders_built): it stops growing once the workers hold what the load needs. */
  decodersBuilt: number | null;
  /** Sessions still open when sampled (a wave's sessions that did not end in time). */
  openSessions: number;
  /** What the wave's calls produced: a sign that the plugins really worked on them. */
  transcripts: number;
  events: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

const voiceprints = mkdtempSync(join(tmpdir(), "parley-soak-voiceprints-"));
const server = useDefaultPlugins(createServer({
  http: { port: 0, host: "127.0.0.1" },
  rtp: { ports, bindAddress: "127.0.0.1", symmetric: true },
  webrtc: { interfaces: ["127.0.0.1"] },
}), { voiceprints });
const census = new LiveCensus();
server.sessions$.subscribe((session) => census.track("session", session));
const produced = { transcripts: 0, events: 0 };
server.events$.subscribe((event) => {
  produced.events++;
  if (event.type === "transcript") produced.transcripts++;
});
const address = await server.listen();
const url = `http://127.0.0.1:${address.port}`;
const startedAt = performance.now();
const elapsedMinutes = () => (performance.now() - startedAt) / 60_000;
console.log(`parley soak: ${callers} speaking Opus callers per wave, ${callSeconds} s calls, for ${minutes} min; plugins ${[...server.plugins().keys()].join(", ")}; ${isDeno ? `deno ${process.versions.deno}` : `node ${process.version}`}${exposedGc ? "" : " (gc not exposed: samples without a forced collection)"}`);

/** Waits until every session has ended; false if some are still open after END_TIMEOUT_MS. */
async function sessionsEnded(): Promise<boolean> {
  const deadline = performance.now() + END_TIMEOUT_MS;
  while (server.sessions().length > 0) {
    if (performance.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The value of a gauge the plugins registered, or null when it is not there. */
async function gauge(name: string): Promise<number | null> {
  const metric = server.metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values[0]?.value ?? null : null;
}

/** Open descriptors and UDP sockets of this process; null where there is no /proc (not Linux). */
function openDescriptors(): { fds: number; udpSockets: number } | null {
  try {
    return sampleProcess();
  } catch {
    return null;
  }
}

/** Least-squares slope of RSS over calls, KB per call, from the first wave on: the trend, beside the two end points the check compares. */
function rssSlopeKbPerCall(rows: readonly WaveSample[]): number | null {
  if (rows.length < 2) return null;
  const meanCalls = rows.reduce((sum, row) => sum + row.calls, 0) / rows.length;
  const meanRss = rows.reduce((sum, row) => sum + row.rssMb, 0) / rows.length;
  const covariance = rows.reduce((sum, row) => sum + (row.calls - meanCalls) * (row.rssMb - meanRss), 0);
  const variance = rows.reduce((sum, row) => sum + (row.calls - meanCalls) ** 2, 0);
  return Math.round((covariance / variance) * 1024);
}

/** Collects garbage and samples the process (`calls`: sessions started so far). */
async function sample(wave: number): Promise<WaveSample> {
  const collected = await collectGarbage();
  const memory = process.memoryUsage();
  const descriptors = openDescriptors();
  const row: WaveSample = {
    wave,
    minutes: Math.round(elapsedMinutes() * 10) / 10,
    calls: census.tracked().session ?? 0,
    rssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    externalMb: mb(memory.external),
    arrayBuffersMb: mb(memory.arrayBuffers),
    fds: descriptors?.fds ?? null,
    udpSockets: descriptors?.udpSockets ?? null,
    liveSessions: collected ? census.alive().session ?? 0 : null,
    decodersBuilt: await gauge("parley_asr_decoders_built"),
    openSessions: server.sessions().length,
    transcripts: produced.transcripts,
    events: produced.events,
  };
  produced.transcripts = 0;
  produced.events = 0;
  return row;
}

const COLUMNS: [keyof WaveSample, string][] = [
  ["wave", "wave"], ["minutes", "min"], ["calls", "calls"], ["rssMb", "RSS MB"], ["heapUsedMb", "heap MB"], ["externalMb", "external MB"],
  ["arrayBuffersMb", "buffers MB"], ["fds", "fds"], ["udpSockets", "UDP"], ["liveSessions", "live sessions"], ["decodersBuilt", "decoders built"], ["transcripts", "transcripts"], ["events", "events"],
];

function formatRow(row: WaveSample): string {
  return COLUMNS.map(([key, title]) => String(row[key] ?? "-").padStart(title.length)).join("  ");
}

/** Writes a heap snapshot (Node) and returns its counts by constructor; undefined where node:v8 cannot. */
function heapCensus(label: string): Map<string, ConstructorCount> | undefined {
  let file: string;
  try {
    file = writeHeapSnapshot(join(tmpdir(), `parley-soak-${process.pid}-${label}.heapsnapshot`));
  } catch {
    return undefined;
  }
  const counts = countByConstructor(file);
  unlinkSync(file);
  return counts;
}

const baseline = await sample(0);
const samples: WaveSample[] = [];
console.log(`before the first call: RSS ${baseline.rssMb} MB, heap ${baseline.heapUsedMb} MB, ${baseline.fds} fds, ${baseline.udpSockets} UDP sockets`);
console.log(COLUMNS.map(([, title]) => title).join("  "));
const waveMinutes = (callSeconds + pauseSeconds) / 60;
let firstSnapshot: Map<string, ConstructorCount> | undefined;
let snapshotGrowth: ConstructorGrowth[] | null = null;
let failedWaves = 0;
for (let wave = 1; wave <= 2 || elapsedMinutes() + waveMinutes <= minutes; wave++) {
  try {
    await runLoadGenerator(["--url", url, "--sessions", "0", "--asr", String(callers), "--seconds", String(callSeconds - GENERATOR_WARMUP_SECONDS)]);
  } catch (error) {
    failedWaves++;
    console.error(`wave ${wave}: ${(error as Error).message}`);
  }
  if (!(await sessionsEnded())) console.error(`wave ${wave}: ${server.sessions().length} sessions still open ${END_TIMEOUT_MS / 1000} s after hangup`);
  await sleep(pauseSeconds * 1000);
  const row = await sample(wave);
  samples.push(row);
  console.log(formatRow(row));
  const last = !(elapsedMinutes() + waveMinutes <= minutes) && wave >= 2;
  if (values["heap-snapshots"] && wave === 1) firstSnapshot = heapCensus("first");
  if (values["heap-snapshots"] && last && firstSnapshot) {
    const lastSnapshot = heapCensus("last");
    if (lastSnapshot) snapshotGrowth = growth(firstSnapshot, lastSnapshot);
  }
}
// What stays once the calls are over for good: pools sized to the load (the recognition workers'
// decoders, freed after 60 s idle) give back what the waves needed.
await sleep(idleSeconds * 1000);
const idle = await sample(samples.length);
const idleDecodersFreed = await gauge("parley_asr_decoders_freed");
await server.close();
rmSync(voiceprints, { recursive: true, force: true });

const first = samples[0]!;
const last = samples[samples.length - 1]!;
const rssChange = (last.rssMb - first.rssMb) / first.rssMb;
const callsBetween = last.calls - first.calls;
const checks = {
  rssWithinTolerance: rssChange <= RSS_TOLERANCE,
  // Skipped (null), not passed, when gc is not exposed: without a collection a live count means nothing.
  noSessionKept: last.liveSessions === null ? null : last.liveSessions === 0,
  allWavesRan: failedWaves === 0,
};
const results = {
  runtime: isDeno ? `deno ${process.versions.deno}` : `node ${process.version}`,
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), loadAverage: Math.round(loadavg()[0]! * 100) / 100 },
  plugins: Object.fromEntries(server.plugins()),
  options: { minutes, callers, callSeconds, pauseSeconds, ports },
  gcExposed: exposedGc !== undefined,
  baseline,
  waves: samples,
  afterIdle: { seconds: idleSeconds, ...idle, decodersFreed: idleDecodersFreed },
  rssSlopeKbPerCall: rssSlopeKbPerCall(samples),
  rssChangeFirstToLast: Math.round(rssChange * 10000) / 10000,
  rssPerCallKb: callsBetween > 0 ? Math.round(((last.rssMb - first.rssMb) * 1024) / callsBetween) : null,
  heapPerCallKb: callsBetween > 0 ? Math.round(((last.heapUsedMb - first.heapUsedMb) * 1024) / callsBetween) : null,
  heapSnapshotGrowth: snapshotGrowth && { calls: callsBetween, constructors: snapshotGrowth },
  checks,
};
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");

const verdict = (ok: boolean | null) => (ok === null ? "SKIPPED" : ok ? "ok" : "FAILED");
console.log(`
RSS ${first.rssMb} MB after wave 1, ${last.rssMb} MB after wave ${last.wave}: ${rssChange >= 0 ? "+" : ""}${Math.round(rssChange * 1000) / 10}% (limit +${RSS_TOLERANCE * 100}%), ${results.rssPerCallKb} KB per call (trend over all waves ${results.rssSlopeKbPerCall} KB per call); heap ${results.heapPerCallKb} KB per call   ${verdict(checks.rssWithinTolerance)}
${idleSeconds} s after the last call: RSS ${idle.rssMb} MB, heap ${idle.heapUsedMb} MB, ${idle.fds} fds, ${idle.udpSockets} UDP sockets, ${idleDecodersFreed ?? "-"} idle decoders freed (before the first call: RSS ${baseline.rssMb} MB, ${baseline.fds} fds, ${baseline.udpSockets} UDP sockets)
ended sessions still alive after GC: ${last.liveSessions ?? "not counted (gc not exposed)"} of ${census.tracked().session ?? 0}   ${verdict(checks.noSessionKept)}
waves that failed to run: ${failedWaves}   ${verdict(checks.allWavesRan)}`);
if (snapshotGrowth) {
  console.log(`heap objects that grew over ${callsBetween} calls (constructor: objects, bytes):`);
  for (const { name, count, bytes } of snapshotGrowth) console.log(`  ${name.slice(0, 60).padEnd(60)} ${String(count).padStart(8)} ${String(bytes).padStart(10)}`);
}
console.log(`wrote ${RESULTS}`);
if (checks.rssWithinTolerance === false || checks.noSessionKept === false || !checks.allWavesRan) process.exitCode = 1;
