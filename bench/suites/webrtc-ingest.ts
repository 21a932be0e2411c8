import {
  keyLength,
  MediaStreamTrack,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  saltLength,
  SrtpSession,
  type SrtpProfile,
} from "werift";
import { CODECS } from "../../core/codecs.ts";
import { Metrics } from "../../core/metrics.ts";
import { loopbackLegOptions } from "../../core/webrtc/mediasoup-edge.ts";
import { WebRtcEndpoint } from "../../core/webrtc/WebRtcEndpoint.ts";
import { createRng, randomBytes } from "../../media/signal-test-utils.ts";
import { assertOnePacketDelivers, benchSession } from "../bench-session.ts";
import { FEED_PORT } from "../rtp-feed.ts";
import { speechOpusPackets } from "../speech-packets.ts";
import { ingestCase } from "./ingest.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

const OPUS_PAYLOAD_TYPE = 111;
const OPUS_PACKET_CLOCK = 960;

function opusCodec(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: OPUS_PAYLOAD_TYPE });
}

/**
 * Parley's side of a negotiated WebRTC call, left as WhipTransport leaves it: a werift peer with a
 * werift caller's offer applied (so werift's router knows the caller's SSRC), and Parley's own
 * track on the sender. No ICE or DTLS runs: the packets enter where DTLS would hand them over.
 */
async function answeringPeer() {
  const caller = new RTCPeerConnection({ codecs: { audio: [opusCodec()] } });
  const ssrc = caller.addTransceiver("audio", { direction: "sendonly" }).sender.ssrc;
  const offer = await caller.createOffer();
  const pc = new RTCPeerConnection({ codecs: { audio: [opusCodec()] } });
  await pc.setRemoteDescription(offer);
  const transceiver = pc.getTransceivers().find((t) => t.kind === "audio");
  if (!transceiver) throw new Error("werift made no audio transceiver for the offer");
  const track = new MediaStreamTrack({ kind: "audio" });
  transceiver.setDirection("sendrecv");
  transceiver.sender.replaceTrack(track);
  return { caller, pc, transceiver, track, ssrc };
}

/** Caller and Parley ends of one SRTP context, keyed as DTLS-SRTP would key them (fixed random keys here). */
function srtpPair(profile: SrtpProfile): { caller: SrtpSession; parley: SrtpSession } {
  const rng = createRng(profile);
  const material = (length: number) => Buffer.from(randomBytes(rng, length));
  const [callerKey, callerSalt] = [material(keyLength(profile)), material(saltLength(profile))];
  const [parleyKey, parleySalt] = [material(keyLength(profile)), material(saltLength(profile))];
  return {
    caller: new SrtpSession({ profile, keys: { localMasterKey: callerKey, localMasterSalt: callerSalt, remoteMasterKey: parleyKey, remoteMasterSalt: parleySalt } }),
    parley: new SrtpSession({ profile, keys: { localMasterKey: parleyKey, localMasterSalt: parleySalt, remoteMasterKey: callerKey, remoteMasterSalt: callerSalt } }),
  };
}

/**
 * SRTP packets of a real-time Opus stream, protected ahead of each sample (untimed): an SRTP
 * packet cannot be replayed, as its index and authentication tag must advance.
 */
class ProtectedStream {
  #queue: Buffer[] = [];
  #next = 0;
  #n = 0;
  readonly #payloads: Buffer[];

  constructor(readonly srtp: SrtpSession, readonly ssrc: number, payloads: readonly Uint8Array[]) {
    this.#payloads = payloads.map((payload) => Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  }

  /** Protects the next `count` packets. */
  prepare(count: number): void {
    this.#queue.length = 0;
    this.#next = 0;
    for (let i = 0; i < count; i++, this.#n++) {
      const n = this.#n;
      const header = new RtpHeader({ payloadType: OPUS_PAYLOAD_TYPE, marker: n === 0, sequenceNumber: n & 0xffff, timestamp: (n * OPUS_PACKET_CLOCK) >>> 0, ssrc: this.ssrc });
      this.#queue.push(this.srtp.encrypt(this.#payloads[n % this.#payloads.length]!, header));
    }
  }

  /** The next prepared packet, as it arrives off the wire. */
  take(): Buffer {
    const packet = this.#queue[this.#next++];
    if (!packet) throw new Error("ran past the prepared SRTP packets");
    return packet;
  }
}

/** A case that times `consume` on each protected packet of a fresh stream. */
type CaseFactory = (name: string, profile: SrtpProfile) => Promise<{ benchCase: BenchCase; close(): Promise<void> }>;

/**
 * The WebRTC inbound path of one packet, from the bytes DTLS's transport receives to a 16 kHz
 * frame at a subscriber: werift's SRTP unprotect and RTP parse, then `onRtp` of werift's DTLS
 * transport as its receive loop calls it (werift's router and receiver: statistics, a packet copy,
 * the track event), then WebRtcEndpoint's listener and Parley's media path (RtpMediaStream, jitter
 * buffer, Opus decode at 16 kHz, fanout, the ingest histogram).
 */
function webrtcIngestCase(payloads: readonly Uint8Array[], metrics: Metrics): CaseFactory {
  return async (name, profile) => {
    const { caller, pc, transceiver, track, ssrc } = await answeringPeer();
    const bench = benchSession(name, "webrtc", CODECS.opus);
    bench.session.attach(new WebRtcEndpoint(bench.session, {
      pc,
      transceiver,
      track,
      codec: CODECS.opus,
      encoder: bench.encoder,
      maxJitterDelayMs: 40,
      mediaTimeoutMs: 10000,
      metrics,
      startedAt: performance.now(),
    }));
    const srtp = srtpPair(profile);
    const stream = new ProtectedStream(srtp.caller, ssrc, payloads);
    const { onRtp } = transceiver.dtlsTransport;
    const run = () => {
      onRtp.execute(RtpPacket.deSerialize(srtp.parley.decrypt(stream.take())));
      return bench.delivered();
    };
    stream.prepare(1);
    assertOnePacketDelivers(name, bench, run);
    return {
      benchCase: { name, batch: 1, run, prepare: (calls) => stream.prepare(calls) },
      async close() {
        await bench.close();
        await caller.close();
      },
    };
  };
}

/**
 * The WebRTC inbound path of one packet in Parley with the mediasoup edge: the worker has done
 * SRTP and routing in C++, and what reaches the event loop is plain RTP on the loopback leg, set up
 * as the edge sets it up (loopbackLegOptions). The worker's own CPU is reported by bench:load.
 */
function mediasoupIngestCase(payloads: readonly Uint8Array[], metrics: Metrics): { benchCase: BenchCase; close(): Promise<void> } {
  return ingestCase("webrtc.ingest.opus.16k.mediasoup", CODECS.opus, payloads, metrics, { transport: "webrtc", configure: (options) => loopbackLegOptions(options, FEED_PORT) });
}

/** SRTP unprotect alone, the share of the WebRTC path that plain RTP does not have at all. */
function unprotectCase(payloads: readonly Uint8Array[]): CaseFactory {
  return async (name, profile) => {
    const srtp = srtpPair(profile);
    const stream = new ProtectedStream(srtp.caller, 0x5eed, payloads);
    const run = () => srtp.parley.decrypt(stream.take()).length;
    return { benchCase: { name, batch: 1, run, prepare: (calls) => stream.prepare(calls) }, close: async () => {} };
  };
}

/**
 * WebRTC ingest against the plain RTP ingest of bench/suites/ingest.ts, on werift with the SRTP profile
 * browsers negotiate with werift (AES_CM_128_HMAC_SHA1_80: Chromium, as the DTLS server, picks it
 * over werift's preferred AEAD_AES_128_GCM) and the one two werift peers agree on (GCM), and on the
 * mediasoup edge.
 */
export async function webrtcIngestSuite(): Promise<BenchSuite> {
  const metrics = new Metrics();
  const payloads = speechOpusPackets(5);
  const ingest = webrtcIngestCase(payloads, metrics);
  const unprotect = unprotectCase(payloads);
  const streams = [
    await ingest("webrtc.ingest.opus.16k", ProtectionProfileAes128CmHmacSha1_80),
    await ingest("webrtc.ingest.opus.16k.gcm", ProtectionProfileAeadAes128Gcm),
    await unprotect("srtp.unprotect.opus", ProtectionProfileAes128CmHmacSha1_80),
    await unprotect("srtp.unprotect.opus.gcm", ProtectionProfileAeadAes128Gcm),
    mediasoupIngestCase(payloads, metrics),
  ];
  return {
    name: "webrtc-ingest",
    cases: streams.map((stream) => stream.benchCase),
    async close() {
      await Promise.all(streams.map((stream) => stream.close()));
      metrics.close();
    },
  };
}
