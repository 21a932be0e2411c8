// Feeds RTP packet bytes into a session through the production RtpEndpoint, with no sockets: what
// the ingest and product suites time, from the socket's "message" event to the last subscriber.
import type { RemoteInfo, Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import type { CodecSpec } from "../core/codecs.ts";
import type { Metrics } from "../core/metrics.ts";
import { RtpEndpoint, type RtpEndpointOptions } from "../core/rtp/RtpEndpoint.ts";
import type { CallSession } from "../core/Session.ts";
import type { AudioEncoder } from "../media/codec.ts";
import { serializeRtpPacket } from "../media/rtp.ts";

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

/** Sends the next packet of a looped stream into the session. */
export type FeedNext = () => void;

/** The port the fed packets come from, on loopback. */
export const FEED_PORT = PEER.port;

/**
 * The endpoint to attach to `session`, and a feed that sends `payloads` (looped) through its socket
 * handler, 20 ms apart in media time. `configure` sets the endpoint up as a transport other than
 * plain RTP does (the mediasoup edge's loopback leg).
 */
export function rtpFeed(codec: CodecSpec, encoder: AudioEncoder, payloads: readonly Uint8Array[], metrics: Metrics, configure = (options: RtpEndpointOptions) => options): {
  createEndpoint(session: CallSession): RtpEndpoint;
  next: FeedNext;
} {
  const socket = new SilentSocket();
  const asSocket = (fake: SilentSocket) => fake as unknown as Socket;
  const packets = payloads.map((payload) => serializeRtpPacket({ payloadType: codec.payloadType, sequenceNumber: 0, timestamp: 0, ssrc: 0x5eed, payload }));
  const clockSamples = codec.clockRate / 50;
  let n = 0;
  return {
    createEndpoint: (session) =>
      new RtpEndpoint(session, configure({
        pair: { rtp: asSocket(socket), rtcp: asSocket(new SilentSocket()), port: 40000, async release() {} },
        codec,
        encoder,
        rtcpMux: false,
        symmetric: true,
        latchAnySource: false,
        timeoutMs: 3_600_000,
        maxJitterDelayMs: 40,
        metrics,
      })),
    next() {
      const packet = packets[n % packets.length]!;
      stamp(packet, n & 0xffff, (n * clockSamples) >>> 0);
      n++;
      socket.emit("message", packet, PEER);
    },
  };
}
