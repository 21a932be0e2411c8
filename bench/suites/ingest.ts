import { CODECS, type CodecSpec } from "../../core/codecs.ts";
import { Metrics } from "../../core/metrics.ts";
import type { RtpEndpointOptions } from "../../core/rtp/RtpEndpoint.ts";
import { assertOnePacketDelivers, benchSession } from "../bench-session.ts";
import { rtpFeed } from "../rtp-feed.ts";
import { speechOpusPackets, speechPcmuPayloads } from "../speech-packets.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/**
 * One session of `codec` with a 16 kHz subscriber, fed packet bytes through its endpoint's socket
 * handler; `configure` sets the endpoint up as another transport does (see rtpFeed).
 */
export function ingestCase(
  name: string,
  codec: CodecSpec,
  payloads: readonly Uint8Array[],
  metrics: Metrics,
  { transport = "rtp", configure }: { transport?: string; configure?: (options: RtpEndpointOptions) => RtpEndpointOptions } = {},
): { benchCase: BenchCase; close(): Promise<void> } {
  const bench = benchSession(name, transport, codec);
  const feed = rtpFeed(codec, bench.encoder, payloads, metrics, configure);
  bench.session.attach(feed.createEndpoint(bench.session));
  const run = () => {
    feed.next();
    return bench.delivered();
  };
  assertOnePacketDelivers(name, bench, run);
  return { benchCase: { name, batch: 1, run }, close: () => bench.close() };
}

/**
 * The whole inbound path of one packet with the production classes and no sockets: the bytes go
 * through RtpEndpoint's message handler (parse, latching, receive statistics, RtpIngest's jitter
 * buffer, decode straight to 16 kHz or resample, fanout, the per-packet ingest histogram) to a
 * subscriber of `session.audio(16000)`.
 */
export function ingestSuite(): BenchSuite {
  const metrics = new Metrics();
  const streams = [
    ingestCase("ingest.opus.16k", CODECS.opus, speechOpusPackets(5), metrics),
    ingestCase("ingest.pcmu.16k", CODECS.pcmu, speechPcmuPayloads(5), metrics),
  ];
  return {
    name: "ingest",
    cases: streams.map((stream) => stream.benchCase),
    async close() {
      await Promise.all(streams.map((stream) => stream.close()));
      metrics.close();
    },
  };
}
