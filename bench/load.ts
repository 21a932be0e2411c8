// `npm run bench:load -- --sessions N --seconds S [--webrtc]`: a Parley server in this process
// with a latency probe on every session's 16 kHz audio, and bench/load-generator.ts in another
// process streaming N real-time Opus calls to it over loopback, as plain RTP or (`--webrtc`) as
// WHIP calls from werift peers. Prints a summary and writes bench/load-results.json (or
// bench/load-webrtc-results.json): server CPU, packet-to-subscriber latency, loss, generator
// lateness and event-loop lag, measured over the steady state (all N streams running), and for
// WebRTC the ICE and DTLS connect times.
//
// `--asr N` adds N calls that carry real speech (the speech set, looped) and run the vad and asr
// plugins (pocketsphinx dictation, in worker threads) while the N plain calls are measured: the
// latency figures are then the plain calls' alone, and the recognition calls' transcripts, errors
// and final latency are reported beside them (bench/load-asr-results.json).
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { performance as nodePerformance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createServer } from "../core/mod.ts";
import { createAsrPlugin, createPocketsphinxEngine, missingPocketsphinx } from "../plugins/asr/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { isAsrCall, onlyWhere } from "./load-asr.ts";
import { EventLoopLagProbe } from "./event-loop-lag.ts";
import { latencyProbe, type StreamArrivals } from "./latency-probe.ts";
import { runLoadGenerator } from "./generator-process.ts";
import { type GeneratorReport, PACKET_MS, type StreamingMessage } from "./load-protocol.ts";
import { absoluteNow, distribution } from "./stats.ts";

/**
 * First port of the default RTP range, which grows with the number of sessions. It lies below
 * Linux's ephemeral range (32768-60999), where the generator's sockets get their ports: inside
 * it, Parley's RTCP to a generator's port + 1 could land on another session's RTP port.
 */
const RTP_PORT_BASE = 20000;
/** How long the idle server's event-loop lag is sampled first: the machine's own noise floor. */
const IDLE_MS = 2000;
/** Time for the last packets to arrive after the generator stops. */
const DRAIN_MS = 300;

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    "rtp-ports": { type: "string" },
    webrtc: { type: "boolean", default: false },
    asr: { type: "string", default: "0" },
  },
});
const sessions = Number(values.sessions);
const asrCalls = Number(values.asr);
const seconds = Number(values.seconds);
if (!Number.isInteger(sessions) || sessions < 1 || !Number.isInteger(asrCalls) || asrCalls < 0 || !(seconds > 0)) {
  throw new Error("usage: load.ts --sessions N --seconds S [--rtp-ports min-max] [--webrtc] [--asr N]");
}
const transport = values.webrtc ? "webrtc" : "rtp";
const RESULTS = fileURLToPath(new URL(asrCalls > 0 ? "./load-asr-results.json" : values.webrtc ? "./load-webrtc-results.json" : "./load-results.json", import.meta.url));
const ports = values["rtp-ports"] ?? `${RTP_PORT_BASE}-${RTP_PORT_BASE + 2 * (sessions + asrCalls) + 99}`;
const isDeno = "Deno" in globalThis;

/** CPU, event-loop utilisation and wall time at one instant. */
interface Snapshot {
  cpu: NodeJS.CpuUsage;
  elu: { idle: number; active: number };
  at: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function snapshot(): Snapshot {
  return { cpu: process.cpuUsage(), elu: nodePerformance.eventLoopUtilization(), at: absoluteNow() };
}

/** Sum of a prom-client metric's values (all label sets), or of those named `name` (a histogram's _sum or _count). */
async function total(metric: { get(): Promise<{ values: { value: number; metricName?: string }[] }> }, name?: string): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => name === undefined || v.metricName === name).reduce((sum, v) => sum + v.value, 0);
}

/**
 * A histogram's count, mean and quantiles in ms; each quantile is the upper bound of the bucket it
 * falls in (null past the last bucket), which is all a histogram knows.
 */
async function histogramMs(metric: { get(): Promise<{ values: { value: number; metricName?: string; labels: Record<string, unknown> }[] }> }) {
  const { values } = await metric.get();
  const count = values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
  const sum = values.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0;
  const buckets = values.filter((v) => v.metricName?.endsWith("_bucket")).map((v) => ({ le: Number(v.labels.le), cumulative: v.value }));
  const quantile = (q: number) => {
    const bound = buckets.find((b) => b.cumulative >= q * count)?.le;
    return bound === undefined || !Number.isFinite(bound) ? null : bound * 1000;
  };
  return { count, meanMs: count > 0 ? Math.round((sum / count) * 1e4) / 10 : null, p50AtMostMs: quantile(0.5), p99AtMostMs: quantile(0.99) };
}

/** Registers the vad and asr plugins for the recognition calls only, and counts what they emit. */
async function startRecognition() {
  const missing = missingPocketsphinx();
  if (missing) throw new Error(`--asr needs pocketsphinx: ${missing}`);
  const recognizer = await createPocketsphinxEngine();
  server.use(onlyWhere(vad, isAsrCall)).use(onlyWhere(createAsrPlugin(recognizer), isAsrCall));
  server.events$.subscribe((event) => {
    if (event.type === "transcript") {
      recognition.transcripts++;
      recognition.words += event.words.length;
    } else if (event.type === "transcript.partial") recognition.partials++;
    else if (event.type === "asr.error") recognition.errors++;
  });
  return recognizer;
}

/** Runs the generator for this run's calls. */
function runGenerator(url: string, onStreaming: (message: StreamingMessage) => void): Promise<GeneratorReport> {
  const args = ["--url", url, "--sessions", String(sessions), "--asr", String(asrCalls), "--seconds", String(seconds), ...(values.webrtc ? ["--webrtc"] : [])];
  return runLoadGenerator(args, onStreaming);
}

const streams = new Map<number, StreamArrivals>();
const server = createServer({
  http: { port: 0, host: "127.0.0.1" },
  rtp: { ports, bindAddress: "127.0.0.1", symmetric: true, timeoutSeconds: 60 },
  webrtc: { interfaces: ["127.0.0.1"] },
});
server.use(latencyProbe(streams));
/** What the recognition calls produced, counted as it comes. */
const recognition = { transcripts: 0, words: 0, errors: 0, partials: 0 };
const engine = asrCalls > 0 ? await startRecognition() : undefined;
const address = await server.listen();
const lagProbe = new EventLoopLagProbe();
let steady: { from: Snapshot; until?: Snapshot; lag?: number[]; steadyFrom: number; steadyUntil: number } | undefined;
const loadBefore = loadavg()[0]!;
console.log(`parley load: ${sessions} Opus ${values.webrtc ? "WHIP calls" : `sessions, RTP ports ${ports},`}${asrCalls > 0 ? ` and ${asrCalls} recognition calls,` : ""} for ${seconds} s, ${isDeno ? "deno" : "node"} ${isDeno ? process.versions.deno : process.version}`);
await sleep(IDLE_MS);
const idleLag = distribution(lagProbe.take());

const report = await runGenerator(`http://127.0.0.1:${address.port}`, ({ steadyFrom, steadyUntil }) => {
  console.log(`all ${sessions + asrCalls} sessions open; measuring for ${seconds} s`);
  setTimeout(() => {
    lagProbe.take();
    steady = { from: snapshot(), steadyFrom, steadyUntil };
    setTimeout(() => {
      steady!.until = snapshot();
      steady!.lag = lagProbe.take();
    }, steadyUntil - absoluteNow());
  }, steadyFrom - absoluteNow());
});
await sleep(DRAIN_MS);
lagProbe.stop();
if (!steady?.until || !steady.lag) throw new Error("the generator stopped before the steady-state window ended");

// Join arrivals with the generator's send log: latency from the packet's real send time, and from its schedule.
const latency: number[] = [];
const latencyFromSchedule: number[] = [];
// Per second of the window, so a few stalls can be told from a path that is slow throughout.
const latencyBySecond: number[][] = Array.from({ length: Math.ceil((steady.steadyUntil - steady.steadyFrom) / 1000) }, () => []);
// The recognition calls' own packets, apart: the figures above are the plain calls'.
const asrLatency: number[] = [];
let framesDelivered = 0;
let framesMissing = 0;
for (const [index, lateness] of report.latenessBySession.entries()) {
  const stream = streams.get(index);
  const first = report.firstPacketBySession[index]!;
  framesDelivered += stream?.frames ?? 0;
  for (let k = 0; k < lateness.length; k++) {
    const arrival = stream?.arrivals[k];
    if (arrival === undefined || !stream) {
      framesMissing++;
      continue;
    }
    const scheduled = stream.t0 + (first + k) * PACKET_MS;
    if (scheduled < steady.steadyFrom || scheduled >= steady.steadyUntil) continue;
    if (index >= sessions) {
      asrLatency.push(arrival - scheduled - lateness[k]!);
      continue;
    }
    latency.push(arrival - scheduled - lateness[k]!);
    latencyBySecond[Math.floor((scheduled - steady.steadyFrom) / 1000)]!.push(arrival - scheduled - lateness[k]!);
    latencyFromSchedule.push(arrival - scheduled);
  }
}

const { metrics } = server;

/** The recognition calls' figures: what they produced, how fast, and what each plugin cost per frame on the main thread. */
async function recognitionFigures() {
  const final = server.metrics.registry.getSingleMetric("parley_asr_final_latency_seconds");
  const perPlugin = (await metrics.pluginFrameSeconds.get()).values;
  const meanUs = (plugin: string) => {
    const sum = perPlugin.find((v) => v.metricName?.endsWith("_sum") && v.labels.plugin === plugin)?.value ?? 0;
    const count = perPlugin.find((v) => v.metricName?.endsWith("_count") && v.labels.plugin === plugin)?.value ?? 0;
    return count > 0 ? Math.round((sum / count) * 1e7) / 10 : null;
  };
  return {
    calls: asrCalls,
    ...recognition,
    finalLatencyMs: final ? await histogramMs(final as Parameters<typeof histogramMs>[0]) : null,
    // Their own packets' latency (the probe runs on them too), and the engine's backlog at the end.
    packetToSubscriberMs: distribution(asrLatency),
    engine: engine!.stats(),
    mainThreadPerFrameUs: { vad: meanUs("vad"), asr: meanUs("asr"), probe: meanUs("load-latency-probe") },
  };
}
const { from, until } = steady;
const cpu = (until.cpu.user + until.cpu.system - from.cpu.user - from.cpu.system) / 1000;
const wallMs = until.at - from.at;
const eluActive = until.elu.active - from.elu.active;
const eluIdle = until.elu.idle - from.elu.idle;
const ingestCount = await total(metrics.ingestSeconds, "parley_ingest_seconds_count");
const pluginCount = await total(metrics.pluginFrameSeconds, "parley_plugin_frame_seconds_count");
const results = {
  runtime: isDeno ? `deno ${process.versions.deno}` : `node ${process.version}`,
  date: new Date().toISOString(),
  transport,
  // Other work on the machine shows up in every figure; the 1-minute load average tells.
  machine: { cpus: availableParallelism(), loadAverageBefore: Math.round(loadBefore * 100) / 100, loadAverageAfter: Math.round(loadavg()[0]! * 100) / 100 },
  sessions,
  seconds,
  steadyWindowSeconds: Math.round(wallMs) / 1000,
  server: {
    cpuPercentOfOneCore: Math.round((cpu / wallMs) * 1000) / 10,
    // Share of the window the main thread was busy; Deno does not report it.
    eventLoopUtilization: eluActive + eluIdle > 0 ? Math.round((eluActive / (eluActive + eluIdle)) * 1000) / 1000 : null,
    eventLoopLagMs: distribution(steady.lag),
    idleEventLoopLagMs: idleLag,
    // From the packet as the transport hands it over: for WebRTC, after werift's SRTP decrypt.
    ingestMeanUs: Math.round(((await total(metrics.ingestSeconds, "parley_ingest_seconds_sum")) / ingestCount) * 1e7) / 10,
    probeMeanUs: Math.round(((await total(metrics.pluginFrameSeconds, "parley_plugin_frame_seconds_sum")) / pluginCount) * 1e7) / 10,
  },
  latencyMs: {
    packetToSubscriber: distribution(latency),
    p99BySecond: latencyBySecond.map((second) => distribution(second).p99),
    fromSchedule: distribution(latencyFromSchedule),
  },
  loss: {
    framesExpected: report.packetsSent,
    framesDelivered,
    framesMissing,
    packetsReceived: await total(metrics.rtpReceived),
    packetsLost: await total(metrics.rtpLost),
    packetsLate: await total(metrics.rtpLate),
    packetsDiscarded: Object.fromEntries((await metrics.rtpDiscarded.get()).values.map((v) => [v.labels.reason, v.value])),
    framesConcealed: await total(metrics.framesConcealed),
  },
  connect: values.webrtc ? { iceMs: await histogramMs(metrics.iceConnectSeconds), dtlsMs: await histogramMs(metrics.dtlsConnectSeconds) } : null,
  recognition: engine ? await recognitionFigures() : null,
  generator: {
    latenessMs: report.latenessMs,
    openMs: report.openMs,
    openFailures: report.openFailures,
    openErrors: report.openErrors,
    cpuPercent: report.cpuPercent,
    opusKbps: report.opusKbps,
    sendErrors: report.sendErrors,
  },
};
await server.close();
await engine?.close();
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");

const ms = (d: { p50: number; p99: number; max: number }) => `p50 ${d.p50} ms, p99 ${d.p99} ms, max ${d.max} ms`;
const bucketMs = (h: { count: number; meanMs: number | null; p50AtMostMs: number | null; p99AtMostMs: number | null }) =>
  `${h.count} calls, mean ${h.meanMs} ms, p50 <= ${h.p50AtMostMs ?? "inf"} ms, p99 <= ${h.p99AtMostMs ?? "inf"} ms`;
const { loss, server: s, generator: g, connect, machine } = results;
const failures = g.openFailures > 0 ? `\n  FAILED TO OPEN      ${g.openFailures} of ${sessions}: ${g.openErrors.join("; ")}` : "";
const r = results.recognition;
const recognitionLines = r
  ? `\n  recognition         ${r.calls} calls: ${r.transcripts} transcripts (${r.words} words), ${r.partials} partials, ${r.errors} errors; final after turn end ${bucketMs(r.finalLatencyMs ?? { count: 0, meanMs: null, p50AtMostMs: null, p99AtMostMs: null })}
                      main thread per frame: vad ${r.mainThreadPerFrameUs.vad} µs, asr ${r.mainThreadPerFrameUs.asr} µs; their own packets ${ms(r.packetToSubscriberMs)}; engine at the end ${JSON.stringify(r.engine)}`
  : "";
const connectLines = connect ? `\n  ICE connect         ${bucketMs(connect.iceMs)} (server: WHIP offer -> ICE connected)\n  DTLS connect        ${bucketMs(connect.dtlsMs)} (server: ICE -> DTLS connected)` : "";
console.log(`
steady state: ${sessions} ${transport} sessions over ${results.steadyWindowSeconds} s (${results.runtime}; ${machine.cpus} CPUs, load average ${machine.loadAverageBefore} before, ${machine.loadAverageAfter} after)
  server CPU          ${s.cpuPercentOfOneCore}% of one core${s.eventLoopUtilization === null ? "" : `, event loop busy ${Math.round(s.eventLoopUtilization * 100)}%`}
  latency             packet sent -> 16 kHz frame at subscriber${r ? ` (the ${sessions} plain calls)` : ""}: ${ms(results.latencyMs.packetToSubscriber)}
                      p99 of each second: ${results.latencyMs.p99BySecond.join(", ")} ms
                      from schedule (includes generator lateness): ${ms(results.latencyMs.fromSchedule)}
  event-loop lag      ${ms(s.eventLoopLagMs)} (idle before the run: ${ms(s.idleEventLoopLagMs)})
  hot path            ${s.ingestMeanUs} µs per packet (parley_ingest_seconds), plugins ${s.probeMeanUs} µs per frame${recognitionLines}
whole run:
  frames              expected ${loss.framesExpected}, delivered ${loss.framesDelivered}, missing ${loss.framesMissing}
  packets             received ${loss.packetsReceived}, lost ${loss.packetsLost} (parley_rtp_packets_lost_total), late ${loss.packetsLate}, discarded ${JSON.stringify(loss.packetsDiscarded)}, concealed ${loss.framesConcealed}
  generator           lateness ${ms(g.latenessMs)}; CPU ${g.cpuPercent}%; session open ${ms(g.openMs)}; Opus ${g.opusKbps} kbit/s${connectLines}${failures}
wrote ${RESULTS}`);
