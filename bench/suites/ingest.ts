import type { RemoteInfo, Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { CODECS, type CodecSpec } from "../../core/codecs.ts";
import { Metrics } from "../../core/metrics.ts";
import { RtpEndpoint } from "../../core/rtp/RtpEndpoint.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { assertOnePacketDelivers, benchSession } from "../bench-session.ts";
import { speechOpusPackets, speechPcmuPayloads } from "../speech-packets.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

const PEER: RemoteInfo = { address: "127.0.0.1", family: "IPv4", port: 50000, size: 0 };

/**
 * Stands in for a bound dgram socket: RtpEndpoint listens to its "message" and "error" events and
 * sends RTCP through it, which goes nowhere here but completes like a real send.
 */
class SilentSocket extends EventEmitter {
  send(...args: unknown[]): void {
    const callback = args.at(-1);
    if (typeof callback === "function") queueMicrotask(() => callback(null, 0));
  }
  close(): void {}
}

/** Writes the sequence number and timestamp into a serialized packet, as a sender's next packet would carry them. */
function stamp(packet: Uint8Array, sequenceNumber: number, timestamp: number): void {
  packet[2] = sequenceNumber >>> 8;
  packet[3] = sequenceNumber;
  packet[4] = timestamp >>> 24;
  packet[5] = timestamp >>> 16;
  packet[6] = timestamp >>> 8;
  packet[7] = timestamp;
}

/** One session of `codec` with a 16 kHz subscriber, fed packet bytes through its endpoint's socket handler. */
function ingestCase(name: string, codec: CodecSpec, payloads: readonly Uint8Array[], metrics: Metrics): { benchCase: BenchCase; close(): Promise<void> } {
  const bench = benchSession(name, "rtp", codec);
  const socket = new SilentSocket();
  const asSocket = (fake: SilentSocket) => fake as unknown as Socket;
  bench.session.attach(new RtpEndpoint(bench.session, {
    pair: { rtp: asSocket(socket), rtcp: asSocket(new SilentSocket()), port: 40000, async release() {} },
    codec,
    encoder: bench.encoder,
    rtcpMux: false,
    symmetric: true,
    latchAnySource: false,
    timeoutMs: 60_000,
    maxJitterDelayMs: 40,
    metrics,
  }));
  const packets = payloads.map((payload) => serializeRtpPacket({ payloadType: codec.payloadType, sequenceNumber: 0, timestamp: 0, ssrc: 0x5eed, payload }));
  const clockSamples = codec.clockRate / 50;
  let n = 0;
  const run = () => {
    const packet = packets[n % packets.length]!;
    stamp(packet, n & 0xffff, (n * clockSamples) >>> 0);
    n++;
    socket.emit("message", packet, PEER);
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
