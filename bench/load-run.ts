// One `bench:load` run: the profile's server (load-profile.ts) in this process, the load generator
// in another streaming real-time Opus calls to it, and the figures of the steady state (all calls
// running): server CPU, packet-to-subscriber latency, loss, event-loop lag, memory, what each
// plugin cost per frame and what the recogniser produced.
import { childCpuMs } from "./child-cpu.ts";
import { availableParallelism, loadavg } from "node:os";
import { performance as nodePerformance } from "node:perf_hooks";
import { EventLoopLagProbe } from "./event-loop-lag.ts";
import { runLoadGenerator } from "./generator-process.ts";
import type { LoadOptions } from "./load-args.ts";
import { createLoadServer } from "./load-profile.ts";
import { type GeneratorReport, PACKET_MS } from "./load-protocol.ts";
import type { StreamArrivals } from "./latency-probe.ts";
import { memorySample, PeakMemory, perCallerMb } from "./memory-sampler.ts";
import { absoluteNow, type Distribution, distribution } from "./stats.ts";

/**
 * First port of the default RTP range, which grows with the number of sessions. It lies below
 * Linux's ephemeral range (32768-60999), where the generator's sockets get their ports: inside
 * it, Parley's RTCP to a generator's port + 1 could land on another session's RTP port.
 */
export const RTP_PORT_BASE = 20000;
/** How long the idle server's event-loop lag is sampled first: the machine's own noise floor. */
const IDLE_MS = 2000;
/** Time for the last packets to arrive after the generator stops. */
const DRAIN_MS = 300;

const isDeno = "Deno" in globalThis;

/** CPU, event-loop utilisation and wall time at one instant. */
interface Snapshot {
  cpu: NodeJS.CpuUsage;
  /** CPU of the mediasoup workers, ms (0 on the werift edge). */
  edgeCpuMs: number;
  elu: { idle: number; active: number };
  at: number;
}

/** What a prom-client metric's get() gives. */
interface MetricValues {
  get(): Promise<{ values: { value: number; metricName?: string; labels: Record<string, unknown> }[] }>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function snapshot(): Snapshot {
  return { cpu: process.cpuUsage(), edgeCpuMs: childCpuMs("mediasoup-worker"), elu: nodePerformance.eventLoopUtilization(), at: absoluteNow() };
}

/** Sum of a prom-client metric's values (all label sets), or of those named `name` (a histogram's _sum or _count). */
async function total(metric: MetricValues, name?: string): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => name === undefined || v.metricName === name).reduce((sum, v) => sum + v.value, 0);
}

/**
 * A histogram's count, mean and quantiles in ms; each quantile is the upper bound of the bucket it
 * falls in (null past the last bucket), which is all a histogram knows.
 */
async function histogramMs(metric: MetricValues) {
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

/** A plugin's main-thread time per frame: the mean, µs, and how many frames took more than 5 ms (a stall every later subscriber waits for). */
interface PluginFrameTime {
  meanUs: number;
  over5ms: number;
}

/** Each plugin's time per frame (parley_plugin_frame_seconds). */
async function perPlugin(metric: MetricValues): Promise<Record<string, PluginFrameTime>> {
  const { values } = await metric.get();
  const byPlugin = new Map<string, { sum: number; count: number; within5ms: number }>();
  for (const v of values) {
    const plugin = String(v.labels.plugin);
    const entry = byPlugin.get(plugin) ?? { sum: 0, count: 0, within5ms: 0 };
    byPlugin.set(plugin, entry);
    if (v.metricName?.endsWith("_sum")) entry.sum += v.value;
    else if (v.metricName?.endsWith("_count")) entry.count += v.value;
    else if (v.metricName?.endsWith("_bucket") && Number(v.labels.le) === 0.005) entry.within5ms += v.value;
  }
  return Object.fromEntries([...byPlugin].filter(([, e]) => e.count > 0).map(([plugin, e]) => [plugin, { meanUs: Math.round((e.sum / e.count) * 1e7) / 10, over5ms: e.count - e.within5ms }]));
}

/** One shard's figures in a sharded run (load-sharded.ts): its CPU (% of one core), lag and memory over the window. */
export interface ShardFigures {
  shard: number;
  cpuPercentOfOneCore: number;
  eventLoopLagMs: Distribution;
  rssBeforeMb: number;
  rssMb: number;
}

/** The generator's steady window: every stream running, absolute ms. */
export interface SteadyWindow {
  steadyFrom: number;
  steadyUntil: number;
}

/**
 * Each packet's latency, joined from the generator's send log and the probe's arrivals: from the
 * packet's real send time (and from its schedule, which includes the generator's lateness), over
 * the steady window, the measured calls' (index below `sessions`) apart from the recognition
 * calls'; and the frames delivered and missing over the whole run.
 */
export function packetLatencies(report: GeneratorReport, streams: ReadonlyMap<number, StreamArrivals>, window: SteadyWindow, sessions: number) {
  const latency: number[] = [];
  const latencyFromSchedule: number[] = [];
  // Per second of the window, so a few stalls can be told from a path that is slow throughout.
  const latencyBySecond: number[][] = Array.from({ length: Math.ceil((window.steadyUntil - window.steadyFrom) / 1000) }, () => []);
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
      if (scheduled < window.steadyFrom || scheduled >= window.steadyUntil) continue;
      if (index >= sessions) {
        asrLatency.push(arrival - scheduled - lateness[k]!);
        continue;
      }
      latency.push(arrival - scheduled - lateness[k]!);
      latencyBySecond[Math.floor((scheduled - window.steadyFrom) / 1000)]!.push(arrival - scheduled - lateness[k]!);
      latencyFromSchedule.push(arrival - scheduled);
    }
  }
  return { latency, latencyFromSchedule, latencyBySecond, asrLatency, framesDelivered, framesMissing };
}

/** What the generator reports of itself: its lateness, how calls opened, its CPU and bitrate. */
export function generatorFigures(report: GeneratorReport) {
  const { latenessMs, openMs, openFailures, openErrors, cpuPercent, opusKbps, sendErrors } = report;
  return { latenessMs, openMs, openFailures, openErrors, cpuPercent, opusKbps, sendErrors };
}

/** Runs the load of `options` with `sessions` measured callers; resolves with the figures bench/load.ts prints and writes. */
export async function runLoad(options: LoadOptions, sessions: number) {
  const { asr: asrCalls, seconds } = options;
  const ports = options.rtpPorts ?? `${RTP_PORT_BASE}-${RTP_PORT_BASE + 2 * (sessions + asrCalls) + 99}`;
  const streams = new Map<number, StreamArrivals>();
  const { server, engine, dispose } = await createLoadServer(options, ports, streams);
  /** What the recognition calls produced, counted as it comes. */
  const recognition = { transcripts: 0, words: 0, partials: 0, errors: 0, errorsByReason: {} as Record<string, number> };
  server.events$.subscribe((event) => {
    if (event.type === "transcript") {
      recognition.transcripts++;
      recognition.words += event.words.length;
    } else if (event.type === "transcript.partial") recognition.partials++;
    else if (event.type === "asr.error") {
      recognition.errors++;
      recognition.errorsByReason[event.reason] = (recognition.errorsByReason[event.reason] ?? 0) + 1;
    }
  });
  const address = await server.listen();
  const lagProbe = new EventLoopLagProbe();
  let steady: { from: Snapshot; until?: Snapshot; lag?: number[]; memory?: ReturnType<typeof memorySample>; steadyFrom: number; steadyUntil: number } | undefined;
  const loadBefore = loadavg()[0]!;
  const plugins = [...server.plugins().keys()];
  console.log(`parley load (${options.profile}): ${sessions} Opus ${options.webrtc ? "WHIP calls" : `sessions, RTP ports ${ports},`}${asrCalls > 0 ? ` and ${asrCalls} recognition calls,` : ""} for ${seconds} s, plugins ${plugins.join(", ")}; ${isDeno ? "deno" : "node"} ${isDeno ? process.versions.deno : process.version}`);
  await sleep(IDLE_MS);
  const idleLag = distribution(lagProbe.take());
  const memoryBefore = memorySample();
  const peakMemory = new PeakMemory();

  const audio = options.profile === "plain" ? [] : ["--audio", options.profile === "default" ? options.audio : "speech"];
  const generatorArgs = ["--url", `http://127.0.0.1:${address.port}`, "--sessions", String(sessions), "--asr", String(asrCalls), "--seconds", String(seconds), "--warmup-seconds", String(options.warmupSeconds), ...audio, ...(options.webrtc ? ["--webrtc"] : [])];
  const report = await runLoadGenerator(generatorArgs, ({ steadyFrom, steadyUntil }) => {
    console.log(`all ${sessions + asrCalls} sessions open; measuring for ${seconds} s`);
    setTimeout(() => {
      lagProbe.take();
      steady = { from: snapshot(), steadyFrom, steadyUntil };
      setTimeout(() => {
        steady!.until = snapshot();
        steady!.lag = lagProbe.take();
        steady!.memory = peakMemory.sample();
      }, steadyUntil - absoluteNow());
    }, steadyFrom - absoluteNow());
  });
  await sleep(DRAIN_MS);
  lagProbe.stop();
  peakMemory.stop();
  if (!steady?.until || !steady.lag || !steady.memory) throw new Error("the generator stopped before the steady-state window ended");

  const { latency, latencyFromSchedule, latencyBySecond, asrLatency, framesDelivered, framesMissing } = packetLatencies(report, streams, steady, sessions);

  const { metrics } = server;
  const finalLatency = server.metrics.registry.getSingleMetric("parley_asr_final_latency_seconds") as MetricValues | undefined;
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
    profile: options.profile,
    transport: options.webrtc ? "webrtc" : "rtp",
    plugins,
    audio: options.profile === "plain" ? "speech-like" : options.profile === "default" ? options.audio : "speech",
    engine: engine?.name ?? null,
    // Other work on the machine shows up in every figure; the 1-minute load average tells.
    machine: { cpus: availableParallelism(), loadAverageBefore: Math.round(loadBefore * 100) / 100, loadAverageAfter: Math.round(loadavg()[0]! * 100) / 100 },
    sessions,
    seconds,
    warmupSeconds: options.warmupSeconds,
    steadyWindowSeconds: Math.round(wallMs) / 1000,
    server: {
      // The whole process: the main thread and every worker (recognition, synthesis, analysis).
      cpuPercentOfOneCore: Math.round((cpu / wallMs) * 1000) / 10,
      // The mediasoup workers (child processes), where that edge does ICE, DTLS and SRTP; null on werift.
      edgeWorkersCpuPercentOfOneCore: options.webrtc && options.webrtcEdge === "mediasoup" ? Math.round(((until.edgeCpuMs - from.edgeCpuMs) / wallMs) * 1000) / 10 : null,
      // Share of the window the main thread was busy; Deno does not report it.
      eventLoopUtilization: eluActive + eluIdle > 0 ? Math.round((eluActive / (eluActive + eluIdle)) * 1000) / 1000 : null,
      eventLoopLagMs: distribution(steady.lag),
      idleEventLoopLagMs: idleLag,
      // From the packet as the transport hands it over: for WebRTC, after werift's SRTP decrypt.
      ingestMeanUs: Math.round(((await total(metrics.ingestSeconds, "parley_ingest_seconds_sum")) / ingestCount) * 1e7) / 10,
      pluginsMeanUs: Math.round(((await total(metrics.pluginFrameSeconds, "parley_plugin_frame_seconds_sum")) / pluginCount) * 1e7) / 10,
      perPluginFrame: await perPlugin(metrics.pluginFrameSeconds),
      // A sharded run's figures per shard (load-sharded.ts); one server here.
      shards: null as ShardFigures[] | null,
    },
    memory: {
      before: memoryBefore,
      steadyEnd: steady.memory,
      peak: peakMemory.peak(),
      rssPerCallerMb: perCallerMb(memoryBefore, steady.memory, sessions + asrCalls),
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
    connect: options.webrtc ? { iceMs: await histogramMs(metrics.iceConnectSeconds), dtlsMs: await histogramMs(metrics.dtlsConnectSeconds) } : null,
    recognition: engine
      ? {
        calls: options.profile === "plain" ? asrCalls : sessions,
        // As asked on the command line; null: the engine's default (workers: cores up to 4; nice 10).
        workersAsked: options.asrWorkers ?? null,
        niceness: options.asrNiceness ?? null,
        search: options.profile === "recognizer" ? options.asrSearch : options.profile === "default" ? "the voice bot's grammars" : "dictation",
        ...recognition,
        finalLatencyMs: finalLatency ? await histogramMs(finalLatency) : null,
        // The recognition calls' own packets (plain profile; the probe runs on them too).
        packetToSubscriberMs: asrCalls > 0 ? distribution(asrLatency) : null,
        engine: engine.stats(),
      }
      : null,
    generator: generatorFigures(report),
  };
  await server.close();
  await dispose();
  return results;
}

/** What one run measured (see runLoad). */
export type LoadResults = Awaited<ReturnType<typeof runLoad>>;
