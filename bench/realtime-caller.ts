// A caller for scripted conversations: one UDP socket that sends PCMU RTP in real time, a packet
// every 20 ms (speech when it has some, digital silence otherwise, as a phone does), and notes
// when each packet of the answer arrives. All times are performance.now() ms of this process.
import { createSocket, type Socket } from "node:dgram";
import { createResampler, encodeMulaw, parseRtpPacket, serializeRtpPacket } from "../media/mod.ts";

const FRAME_MS = 20;
const FRAME_SAMPLES = 160;
/** A frame whose energy is this far below the clip's loudest frame is not speech, dB. */
const VOICED_BELOW_PEAK_DB = 35;

/** When a clip's speech went out on the wire. */
export interface SentSpeech {
  /** The packet carrying the first voiced frame was sent. */
  onsetAt: number;
  /** The packet carrying the last voiced frame was sent: the caller stopped speaking. */
  endAt: number;
}

/** The first and last voiced 20 ms frames of 8 kHz audio, by energy relative to the loudest frame. */
export function voicedFrames(samples: Int16Array): { first: number; last: number } {
  const energies: number[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= samples.length; i += FRAME_SAMPLES) {
    let sum = 0;
    for (let j = i; j < i + FRAME_SAMPLES; j++) sum += samples[j] * samples[j];
    energies.push(sum / FRAME_SAMPLES);
  }
  const floor = Math.max(...energies) * 10 ** (-VOICED_BELOW_PEAK_DB / 10);
  const voiced = energies.flatMap((energy, index) => (energy >= floor ? [index] : []));
  return { first: voiced[0] ?? 0, last: voiced[voiced.length - 1] ?? 0 };
}

/** A clip waiting to be sent, or being sent. */
interface QueuedClip {
  frames: Uint8Array[];
  voiced: { first: number; last: number };
  /** The next frame to send. */
  index: number;
  onsetAt?: number;
  endAt?: number;
  resolve: (sent: SentSpeech) => void;
}

/** Sends a call's audio in real time and records the answer's packets. */
export class RealtimeCaller {
  /** Arrival times of every audio packet received, in order. */
  readonly received: number[] = [];
  /** Send times of every packet sent, by index: packet i carries media time [20i, 20i + 20) ms of the call. */
  readonly sent: number[] = [];
  readonly #socket: Socket = createSocket("udp4");
  readonly #pending: QueuedClip[] = [];
  #seq = 1;
  #timestamp = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #next = 0;
  readonly #silence = new Uint8Array(FRAME_SAMPLES).fill(0xff);

  constructor(readonly port: number, readonly host = "127.0.0.1") {
    this.#socket.on("message", (message) => {
      const at = performance.now();
      if (parseRtpPacket(new Uint8Array(message)).payloadType === 0) this.received.push(at);
    });
  }

  /** Starts the 20 ms stream (silence until `say`). */
  start(): void {
    this.#next = performance.now();
    this.#tick();
  }

  /** Queues a clip (any rate); resolves once all of it is sent, with when its speech began and ended. */
  say(samples: Int16Array, sampleRate: number): Promise<SentSpeech> {
    const narrow = sampleRate === 8000 ? samples : createResampler(sampleRate, 8000).process(samples);
    const frames: Uint8Array[] = [];
    for (let i = 0; i + FRAME_SAMPLES <= narrow.length; i += FRAME_SAMPLES) frames.push(encodeMulaw(narrow.subarray(i, i + FRAME_SAMPLES)));
    return new Promise((resolve) => this.#pending.push({ frames, voiced: voicedFrames(narrow), index: 0, resolve }));
  }

  /** When the packet carrying the call's media time `ms` (ms since its first packet) was sent. */
  sentAtMediaMs(ms: number): number {
    return this.sent[Math.min(this.sent.length - 1, Math.max(0, Math.floor(ms / FRAME_MS)))];
  }

  /** The first packet received after `at`, if any. */
  firstAfter(at: number): number | undefined {
    return this.received.find((time) => time > at);
  }

  /** The last packet of the run of packets going on at `at` (no gap over `gapMs`): when the answer's audio stopped. */
  lastOfRunAt(at: number, gapMs = 60): number | undefined {
    let last = this.received.findLast((time) => time <= at);
    if (last === undefined || at - last > gapMs) return last;
    for (const time of this.received) {
      if (time <= last) continue;
      if (time - last > gapMs) break;
      last = time;
    }
    return last;
  }

  /** Resolves once no packet has arrived for `quietMs` (the answer is over). */
  async waitForQuiet(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const last = this.received[this.received.length - 1] ?? 0;
      if (performance.now() - last >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the answer did not end within ${timeoutMs} ms`);
  }

  /** Stops sending and closes the socket. */
  close(): Promise<void> {
    clearTimeout(this.#timer);
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  /** Sends one packet per timer callback (Deno reverses same-tick bursts), catching up if late. */
  #tick(): void {
    const clip = this.#pending[0];
    if (clip) {
      const index = clip.index++;
      this.#send(clip.frames[index]);
      const at = performance.now();
      if (index === clip.voiced.first) clip.onsetAt = at;
      if (index === clip.voiced.last) clip.endAt = at;
      if (clip.index === clip.frames.length) {
        this.#pending.shift();
        clip.resolve({ onsetAt: clip.onsetAt ?? at, endAt: clip.endAt ?? at });
      }
    } else {
      this.#send(this.#silence);
    }
    this.#next += FRAME_MS;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, this.#next - performance.now()));
  }

  #send(payload: Uint8Array): void {
    this.sent.push(performance.now());
    this.#socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: this.#seq++ & 0xffff, timestamp: this.#timestamp, ssrc: 0xca11, payload }), this.port, this.host);
    this.#timestamp += FRAME_SAMPLES;
  }
}
