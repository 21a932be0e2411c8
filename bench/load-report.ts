// The summary bench:load prints after one run (the figures themselves go to the results JSON).
import type { LoadResults } from "./load-run.ts";

type Quantiles = { p50: number; p99: number; max: number };
type Buckets = { count: number; meanMs: number | null; p50AtMostMs: number | null; p99AtMostMs: number | null };

const ms = (d: Quantiles) => `p50 ${d.p50} ms, p99 ${d.p99} ms, max ${d.max} ms`;
const bucketMs = (h: Buckets, what: string) => `${h.count} ${what}, mean ${h.meanMs} ms, p50 <= ${h.p50AtMostMs ?? "inf"} ms, p99 <= ${h.p99AtMostMs ?? "inf"} ms`;

/** The run's summary for people, ending with where the results were written. */
export function formatLoadReport(results: LoadResults, path: string): string {
  const { loss, server: s, generator: g, connect, machine, memory: m, sessions } = results;
  const failures = g.openFailures > 0 ? `\n  FAILED TO OPEN      ${g.openFailures}: ${g.openErrors.join("; ")}` : "";
  const r = results.recognition;
  const recognitionLines = r
    ? `\n  recognition         ${r.calls} calls: ${r.transcripts} transcripts (${r.words} words), ${r.partials} partials, ${r.errors} errors ${JSON.stringify(r.errorsByReason)}` +
      `; final after turn end ${r.finalLatencyMs ? bucketMs(r.finalLatencyMs, "finals") : "none"}` +
      `${r.packetToSubscriberMs ? `\n                      their own packets ${ms(r.packetToSubscriberMs)}` : ""}; engine at the end ${JSON.stringify(r.engine)}`
    : "";
  const connectLines = connect ? `\n  ICE connect         ${bucketMs(connect.iceMs, "calls")} (server: WHIP offer -> ICE connected)\n  DTLS connect        ${bucketMs(connect.dtlsMs, "calls")} (server: ICE -> DTLS connected)` : "";
  const perPlugin = Object.entries(s.perPluginFrame).map(([plugin, t]) => `${plugin} ${t.meanUs}${t.over5ms > 0 ? ` (${t.over5ms} over 5 ms)` : ""}`).join(", ");
  const memory = (sample: typeof m.before) => `RSS ${sample.rssMb} MB (heap ${sample.heapUsedMb}, external ${sample.externalMb}, ArrayBuffers ${sample.arrayBuffersMb})`;
  if (s.shards) return formatShardedReport(results, s.shards, path);
  return `
steady state: ${sessions} ${results.transport} sessions (${results.profile} profile, ${results.audio}) over ${results.steadyWindowSeconds} s (${results.runtime}; ${machine.cpus} CPUs, load average ${machine.loadAverageBefore} before, ${machine.loadAverageAfter} after)
  server CPU          ${s.cpuPercentOfOneCore}% of one core${s.eventLoopUtilization === null ? "" : `, event loop busy ${Math.round(s.eventLoopUtilization * 100)}%`}${s.edgeWorkersCpuPercentOfOneCore == null ? "" : `; mediasoup workers ${s.edgeWorkersCpuPercentOfOneCore}%`}
  latency             packet sent -> 16 kHz frame at subscriber${r?.packetToSubscriberMs ? ` (the ${sessions} plain calls)` : ""}: ${ms(results.latencyMs.packetToSubscriber)}
                      p99 of each second: ${results.latencyMs.p99BySecond.join(", ")} ms
                      from schedule (includes generator lateness): ${ms(results.latencyMs.fromSchedule)}
  event-loop lag      ${ms(s.eventLoopLagMs)} (idle before the run: ${ms(s.idleEventLoopLagMs)})
  hot path            ${s.ingestMeanUs} µs per packet (parley_ingest_seconds), plugins ${s.pluginsMeanUs} µs per frame (${perPlugin})${recognitionLines}
  memory              before the first call ${memory(m.before)}
                      end of the window ${memory(m.steadyEnd)}; peak RSS ${m.peak.rssMb} MB; ${m.rssPerCallerMb} MB RSS per caller
whole run:
  frames              expected ${loss.framesExpected}, delivered ${loss.framesDelivered}, missing ${loss.framesMissing}
  packets             received ${loss.packetsReceived}, lost ${loss.packetsLost} (parley_rtp_packets_lost_total), late ${loss.packetsLate}, discarded ${JSON.stringify(loss.packetsDiscarded)}, concealed ${loss.framesConcealed}
  generator           lateness ${ms(g.latenessMs)}; CPU ${g.cpuPercent}%; session open ${ms(g.openMs)}; Opus ${g.opusKbps} kbit/s${connectLines}${failures}
wrote ${path}`;
}

/** A sharded run's summary: each shard's CPU, lag and memory, where one server's has its hot path and counters. */
function formatShardedReport(results: LoadResults, shards: NonNullable<LoadResults["server"]["shards"]>, path: string): string {
  const { loss, generator: g, machine, memory: m, sessions } = results;
  const failures = g.openFailures > 0 ? `\n  FAILED TO OPEN      ${g.openFailures}: ${g.openErrors.join("; ")}` : "";
  const perShard = shards.map((shard) => `shard ${shard.shard}: CPU ${shard.cpuPercentOfOneCore}% of one core, event-loop lag ${ms(shard.eventLoopLagMs)}, RSS ${shard.rssMb} MB`);
  return `
steady state: ${sessions} ${results.transport} sessions over ${shards.length} shards (${results.profile} profile, ${results.audio}) over ${results.steadyWindowSeconds} s (${results.runtime}; ${machine.cpus} CPUs, load average ${machine.loadAverageBefore} before, ${machine.loadAverageAfter} after)
  shards              ${perShard.join("\n                      ")}
  latency             packet sent -> 16 kHz frame at subscriber: ${ms(results.latencyMs.packetToSubscriber)}
                      p99 of each second: ${results.latencyMs.p99BySecond.join(", ")} ms
                      from schedule (includes generator lateness): ${ms(results.latencyMs.fromSchedule)}
  memory              RSS of the shards ${m.before.rssMb} MB before the first call, ${m.steadyEnd.rssMb} MB at the end of the window; ${m.rssPerCallerMb} MB per caller
whole run:
  frames              expected ${loss.framesExpected}, delivered ${loss.framesDelivered}, missing ${loss.framesMissing}
  generator           lateness ${ms(g.latenessMs)}; CPU ${g.cpuPercent}% (nice 10); session open ${ms(g.openMs)}; Opus ${g.opusKbps} kbit/s${failures}
wrote ${path}`;
}
