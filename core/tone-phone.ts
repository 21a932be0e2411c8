// A phone for tests: one RTP leg that sends a tone in real time and keeps what it hears.
import { createSocket, type Socket } from "node:dgram";
import type { AudioDecoder, AudioEncoder } from "../media/codec.ts";
import { parseRtpPacket, serializeRtpPacket } from "../media/rtp.ts";
import { sine, toneAmplitude } from "../media/signal-test-utils.ts";
import { CODECS } from "./codecs.ts";
import type { ParleyServer } from "./server.ts";
import type { Session } from "./Session.ts";
import { concatFrames } from "./testing.ts";

/** A phone on one RTP leg, for tests: sends a tone (or silence) in real time and keeps what it hears, with arrival times. */
export class TonePhone {
  readonly socket: Socket = createSocket("udp4");
  readonly heard: { samples: Int16Array; at: number }[] = [];
  readonly rate: number;
  readonly #encoder: AudioEncoder;
  readonly #decoder: AudioDecoder;
  #timer?: ReturnType<typeof setInterval>;
  #tone = false;
  /** When the tone began, ms (performance.now()). */
  toneFrom = 0;
  session!: Session;

  constructor(readonly codec: "pcmu" | "opus", readonly frequency: number) {
    const spec = CODECS[codec];
    this.rate = spec.pcmRate;
    this.#encoder = spec.createEncoder();
    this.#decoder = spec.createDecoder(spec.pcmRate);
  }

  /** Calls `server` over plain RTP: a session for this phone, sending from now on. */
  async call(server: ParleyServer): Promise<void> {
    const port = await this.bind();
    const created = await server.rtp.open({ codec: this.codec, remote: `127.0.0.1:${port}`, symmetric: false });
    this.session = created.session;
    this.send(created.port);
  }

  /** Listens on a port of its own (where Parley should send); returns it. */
  bind(): Promise<number> {
    this.socket.on("message", (message) => this.heard.push({ samples: this.#decoder.decode(parseRtpPacket(new Uint8Array(message)).payload), at: performance.now() }));
    return new Promise<number>((resolve) => this.socket.bind(0, "127.0.0.1", () => resolve(this.socket.address().port)));
  }

  /** Starts sending 20 ms frames in real time to Parley's `port`. */
  send(port: number): void {
    const spec = CODECS[this.codec];
    const frameSamples = this.rate / 50;
    const started = performance.now();
    let sent = 0;
    // Sends whatever 20 ms frames are due, so a late timer never slows the stream down.
    this.#timer = setInterval(() => {
      while (sent * 20 <= performance.now() - started) {
        const samples = this.#tone ? sine(this.frequency, this.rate, frameSamples, 8000, (2 * Math.PI * this.frequency * sent * frameSamples) / this.rate) : new Int16Array(frameSamples);
        const payload = this.#encoder.encode(samples);
        this.socket.send(serializeRtpPacket({ payloadType: spec.payloadType, sequenceNumber: sent & 0xffff, timestamp: (sent * spec.clockRate) / 50, ssrc: 1234, payload }), port, "127.0.0.1");
        sent++;
      }
    }, 5);
  }

  startTone(): void {
    this.#tone = true;
    this.toneFrom = performance.now();
  }

  /** What it heard since `from` (performance.now()), as one signal. */
  heardSince(from: number): Int16Array {
    return concatFrames(this.heard.filter((frame) => frame.at >= from));
  }

  /** Arrival of the first frame since `from` that carries `frequency`, ms after `from`. */
  firstHeard(frequency: number, from: number): number | undefined {
    const frame = this.heard.find((f) => f.at >= from && toneAmplitude(f.samples, frequency, this.rate) > 1500);
    return frame && frame.at - from;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

