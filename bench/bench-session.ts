// A call session as a transport gets it from the server, without the server: what the ingest
// suites attach their endpoint to and count delivered audio on.
import { AudioFanout } from "../core/AudioFanout.ts";
import type { CodecSpec } from "../core/codecs.ts";
import { CallSession, type SessionHost } from "../core/Session.ts";
import type { AudioEncoder } from "../media/codec.ts";

/** The rate every ingest case delivers to its subscriber. */
export const SUBSCRIBER_RATE = 16000;

const host: SessionHost = { publish() {}, ended() {}, sourceError() {}, failed() {} };

/** A session of `codec` on `transport`, its encoder, and a running count of 16 kHz samples its subscriber received. */
export interface BenchSession {
  readonly session: CallSession;
  readonly encoder: AudioEncoder;
  /** Samples delivered to the `session.audio(16000)` subscriber so far. */
  delivered(): number;
  /** Unsubscribes and hangs up (which closes the attached endpoint). */
  close(): Promise<void>;
}

/** Opens a server-less session named `id` with one 16 kHz subscriber. */
export function benchSession(id: string, transport: string, codec: CodecSpec): BenchSession {
  const encoder = codec.createEncoder();
  const session = new CallSession(
    { id, transport, codec: codec.name, sampleRate: codec.pcmRate, startedAt: Date.now(), metadata: {} },
    new AudioFanout(codec.pcmRate, codec.decodableRates),
    host,
    encoder.sampleRate,
    encoder.sampleRate / 50,
  );
  let samples = 0;
  const subscription = session.audio(SUBSCRIBER_RATE).subscribe((frame) => {
    samples += frame.samples.length;
  });
  return {
    session,
    encoder,
    delivered: () => samples,
    async close() {
      subscription.unsubscribe();
      await session.hangup("bench_done");
    },
  };
}

/**
 * Feeds one packet through `run` and checks a whole 20 ms frame reached the subscriber: a bench
 * that measured nothing (a dropped packet, a wrong rate) must fail loudly, not look fast.
 */
export function assertOnePacketDelivers(name: string, bench: BenchSession, run: () => number): void {
  const before = bench.delivered();
  run();
  const frame = bench.delivered() - before;
  if (frame !== SUBSCRIBER_RATE / 50) throw new Error(`${name}: the subscriber received ${frame} samples for one packet, not ${SUBSCRIBER_RATE / 50}`);
}
