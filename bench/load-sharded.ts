// A `bench:load` run with the server as shard processes behind a primary (core/cluster), as
// `--shards N` asks: the primary in this process places the generator's calls (the shard with the
// fewest sessions), their media goes straight to the shards, and each shard reports what its probe
// and sampler saw (load-shard.ts) when the primary stops it. A shard's CPU, lag and memory are its
// own: capacity is judged on the busiest shard, one core each. The generator runs at nice 10 here,
// with one shard as with several, so the two are measured alike.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Primary } from "../core/mod.ts";
import { runLoadGenerator } from "./generator-process.ts";
import type { LoadOptions } from "./load-args.ts";
import { StreamArrivals } from "./latency-probe.ts";
import { generatorFigures, type LoadResults, packetLatencies, RTP_PORT_BASE, type ShardFigures, type SteadyWindow } from "./load-run.ts";
import { distribution } from "./stats.ts";

const SHARD = fileURLToPath(new URL("./load-shard.ts", import.meta.url));
/** The generator's nice value: the shards may use every core, and the generator must not take theirs (its lateness is subtracted). */
const GENERATOR_NICENESS = 10;
/** Time for the last packets to arrive after the generator stops. */
const DRAIN_MS = 300;

/** One sample of a shard process. */
export interface ShardSample {
  /** Absolute ms (performance.timeOrigin based, the same clock in every process). */
  at: number;
  cpu: NodeJS.CpuUsage;
  /** Event-loop lag samples since the previous sample, ms. */
  lagMs: number[];
  rssMb: number;
}

/** What a shard writes when it stops. */
export interface ShardReport {
  index: number;
  streams: { index: number; t0: number; frames: number; arrivals: (number | null)[] }[];
  samples: ShardSample[];
}

/** A shard's CPU (% of one core), lag and memory over the window. */
function shardFigures(report: ShardReport, window: SteadyWindow): ShardFigures {
  const inside = report.samples.filter((s) => s.at >= window.steadyFrom && s.at <= window.steadyUntil);
  const first = inside[0] ?? report.samples[0]!;
  const last = inside.at(-1) ?? report.samples.at(-1)!;
  const cpuMs = (last.cpu.user + last.cpu.system - first.cpu.user - first.cpu.system) / 1000;
  const wallMs = Math.max(1, last.at - first.at);
  return {
    shard: report.index,
    cpuPercentOfOneCore: Math.round((cpuMs / wallMs) * 1000) / 10,
    eventLoopLagMs: distribution(inside.slice(1).flatMap((s) => s.lagMs)),
    rssBeforeMb: report.samples[0]!.rssMb,
    rssMb: last.rssMb,
  };
}

/** Runs the load of `options` (with `options.shards` shards) and `sessions` callers; resolves with the figures bench/load.ts prints and writes. */
export async function runShardedLoad(options: LoadOptions, sessions: number): Promise<LoadResults> {
  const shards = options.shards ?? 1;
  const ports = options.rtpPorts ?? `${RTP_PORT_BASE}-${RTP_PORT_BASE + 2 * sessions + 100 * shards - 1}`;
  const resultsDir = mkdtempSync(join(tmpdir(), "parley-load-shards-"));
  // What every shard reads at start (Primary passes this process's environment on).
  process.env.PARLEY_LOAD_OPTIONS = JSON.stringify(options);
  process.env.PARLEY_LOAD_RESULTS = resultsDir;
  const primary = new Primary({ entry: SHARD, shards, config: { http: { port: 0, host: "127.0.0.1" }, rtp: { ports } } });
  try {
    const address = await primary.listen();
    const loadBefore = loadavg()[0]!;
    console.log(`parley load (${options.profile}, ${shards} shard${shards > 1 ? "s" : ""}): ${sessions} Opus sessions, RTP ports ${ports}, for ${options.seconds} s`);
    let window: SteadyWindow | undefined;
    const audio = options.profile === "plain" ? [] : ["--audio", options.audio];
    const report = await runLoadGenerator(
      ["--url", `http://127.0.0.1:${address.port}`, "--sessions", String(sessions), "--asr", "0", "--seconds", String(options.seconds), "--warmup-seconds", String(options.warmupSeconds), ...audio],
      (message) => {
        console.log(`all ${sessions} sessions open (${primary.sessionCounts().join(" + ")}); measuring for ${options.seconds} s`);
        window = { steadyFrom: message.steadyFrom, steadyUntil: message.steadyUntil };
      },
      GENERATOR_NICENESS,
    );
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    await primary.close();
    if (!window) throw new Error("the generator never had every stream running");
    const reports = Array.from({ length: shards }, (_, i) => JSON.parse(readFileSync(join(resultsDir, `shard-${i}.json`), "utf8")) as ShardReport);
    const streams = new Map<number, StreamArrivals>();
    for (const shard of reports) {
      for (const { index, t0, frames, arrivals } of shard.streams) {
        const stream = new StreamArrivals(t0);
        stream.frames = frames;
        arrivals.forEach((at, n) => at !== null && (stream.arrivals[n] = at));
        streams.set(index, stream);
      }
    }
    const joined = packetLatencies(report, streams, window, sessions);
    const perShard = reports.map((shard) => shardFigures(shard, window!));
    const busiest = perShard.reduce((a, b) => (b.cpuPercentOfOneCore > a.cpuPercentOfOneCore ? b : a));
    const worstLag = perShard.reduce((a, b) => (b.eventLoopLagMs.p99 > a.eventLoopLagMs.p99 ? b : a));
    const rssBefore = perShard.reduce((sum, shard) => sum + shard.rssBeforeMb, 0);
    const rss = perShard.reduce((sum, shard) => sum + shard.rssMb, 0);
    const memory = (rssMb: number) => ({ rssMb, heapUsedMb: 0, externalMb: 0, arrayBuffersMb: 0 });
    const isDeno = "Deno" in globalThis;
    return {
      runtime: isDeno ? `deno ${process.versions.deno}` : `node ${process.version}`,
      date: new Date().toISOString(),
      profile: options.profile,
      transport: "rtp",
      plugins: [],
      audio: options.profile === "plain" ? "speech-like" : options.audio,
      engine: null,
      machine: { cpus: availableParallelism(), loadAverageBefore: Math.round(loadBefore * 100) / 100, loadAverageAfter: Math.round(loadavg()[0]! * 100) / 100 },
      sessions,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      steadyWindowSeconds: Math.round(window.steadyUntil - window.steadyFrom) / 1000,
      server: {
        // The busiest shard: each has a core to itself at most.
        cpuPercentOfOneCore: busiest.cpuPercentOfOneCore,
        edgeWorkersCpuPercentOfOneCore: null,
        eventLoopUtilization: null,
        eventLoopLagMs: worstLag.eventLoopLagMs,
        idleEventLoopLagMs: distribution([]),
        ingestMeanUs: NaN,
        pluginsMeanUs: NaN,
        perPluginFrame: {},
        shards: perShard,
      },
      memory: { before: memory(rssBefore), steadyEnd: memory(rss), peak: memory(rss), rssPerCallerMb: Math.round(((rss - rssBefore) / sessions) * 100) / 100 },
      latencyMs: {
        packetToSubscriber: distribution(joined.latency),
        p99BySecond: joined.latencyBySecond.map((second) => distribution(second).p99),
        fromSchedule: distribution(joined.latencyFromSchedule),
      },
      loss: { framesExpected: report.packetsSent, framesDelivered: joined.framesDelivered, framesMissing: joined.framesMissing, packetsReceived: joined.framesDelivered, packetsLost: 0, packetsLate: 0, packetsDiscarded: {}, framesConcealed: 0 },
      connect: null,
      recognition: null,
      generator: generatorFigures(report),
    };
  } finally {
    await primary.close();
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
