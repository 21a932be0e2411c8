// Many real RTP legs in one process, cheaply: each leg is a UDP socket of its own sending a PCMU
// tone in real time, but one drift-corrected timer paces all of them (250 legs with a timer each
// would be 12,500 timer callbacks a second). A leg counts what it receives and keeps its last few
// payloads, enough to tell which tone it hears now.
import { createSocket, type Socket } from "node:dgram";
import { decodeMulaw, encodeMulaw, parseRtpPacket, serializeRtpPacket } from "../media/mod.ts";
import { sine, toneAmplitude } from "../media/signal-test-utils.ts";
import { concatFrames } from "../core/testing.ts";

const FRAME_MS = 20;
const FRAME_SAMPLES = 160;
const PCMU = 0;
/** Longest the shared timer sleeps, so a leg that starts meanwhile sends on time. */
const MAX_SLEEP_MS = 5;
/** Payloads a leg keeps of what it heard. */
const KEPT = 10;
/** A tone is heard when its amplitude in the last payloads is at least this (the tones are sent at 8000). */
const HEARD_AMPLITUDE = 2000;

/** One PCMU leg: a socket that sends a tone to the server's port and listens for what comes back. */
export class RtpLeg {
  readonly socket: Socket = createSocket("udp4");
  /** Packets received. */
  received = 0;
  /** Packets sent. */
  sent = 0;
  readonly #recent: Uint8Array[] = [];
  readonly #payload: Uint8Array;
  #ssrc = Math.floor(Math.random() * 0xffffffff);
  #remotePort = 0;
  #t0 = 0;
  #next = 0;
  #closed = false;

  /** `frequency` must fit a whole number of periods in 20 ms at 8 kHz, so one frame loops seamlessly. */
  constructor(readonly frequency: number) {
    this.#payload = encodeMulaw(sine(frequency, 8000, FRAME_SAMPLES, 8000));
    // Packets are kept as they came and parsed only when asked what they carry: less garbage in the process measured.
    this.socket.on("message", (message) => {
      this.received++;
      this.#recent.push(message);
      if (this.#recent.length > KEPT) this.#recent.shift();
    });
  }

  /** Binds a port of its own on loopback (where the server sends); returns it. */
  bind(): Promise<number> {
    return new Promise((resolve) => this.socket.bind(0, "127.0.0.1", () => resolve(this.socket.address().port)));
  }

  /** Whether the last payloads received carry `frequency`. */
  hears(frequency: number): boolean {
    if (this.#recent.length === 0) return false;
    const frames = this.#recent.map((packet) => ({ samples: decodeMulaw(parseRtpPacket(new Uint8Array(packet)).payload) }));
    return toneAmplitude(concatFrames(frames), frequency, 8000) >= HEARD_AMPLITUDE;
  }

  /** Sends the packets due by `now` (performance.now()). */
  pump(now: number): void {
    if (this.#remotePort === 0 || this.#closed) return;
    while (this.#next * FRAME_MS <= now - this.#t0) {
      const n = this.#next++;
      this.socket.send(serializeRtpPacket({ payloadType: PCMU, sequenceNumber: n & 0xffff, timestamp: (n * FRAME_SAMPLES) >>> 0, ssrc: this.#ssrc, payload: this.#payload }), this.#remotePort, "127.0.0.1");
      this.sent++;
    }
  }

  /** Starts sending to the server's `port` from now on. */
  start(port: number): void {
    this.#remotePort = port;
    this.#t0 = performance.now();
  }

  /** Stops sending and closes the socket. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The legs of a run and the one timer that paces them. */
export class RtpLegs {
  readonly #legs = new Set<RtpLeg>();
  #timer?: ReturnType<typeof setTimeout>;

  /** A new leg sending `frequency`, paced from now until it is closed. */
  async open(frequency: number): Promise<RtpLeg> {
    const leg = new RtpLeg(frequency);
    await leg.bind();
    this.#legs.add(leg);
    if (this.#timer === undefined) this.#tick();
    return leg;
  }

  /** Closes a leg and stops pacing it. */
  async close(leg: RtpLeg): Promise<void> {
    this.#legs.delete(leg);
    await leg.close();
  }

  /** Closes every leg and stops the timer. */
  async closeAll(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#legs].map((leg) => this.close(leg)));
  }

  #tick(): void {
    const now = performance.now();
    for (const leg of this.#legs) leg.pump(now);
    this.#timer = setTimeout(() => this.#tick(), MAX_SLEEP_MS);
  }
}
