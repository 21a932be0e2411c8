import type { WebSocket } from "ws";
import type { AudioFanout } from "../AudioFanout.ts";
import type { SessionTransport } from "../Session.ts";

/** How one WebSocket shape turns PCM into messages. */
export interface WebSocketFraming {
  /** PCM rate of the audio on the wire. */
  readonly sampleRate: number;
  /** The message carrying one outbound frame. */
  audio(samples: Int16Array): string | Uint8Array;
  /** A message telling the peer that everything before it has been sent (CPaaS `mark`), if the shape has one. */
  mark?(name: string): string;
  /** A message telling the peer to drop audio it has queued (CPaaS `clear`), if the shape has one. */
  clear?(): string;
}

/** Bytes that may wait in a peer's send buffer before it is taken for one that stopped reading. */
const MAX_BUFFERED_BYTES = 512 * 1024;
/** How far inbound audio may run ahead of the wall clock (a burst after a stall), ms. */
const MAX_AHEAD_MS = 1000;

/**
 * The outbound half of a WebSocket call leg and its inbound entry point: frames paced by the
 * shared 20 ms clock, `mark` after each playback, `clear` when one is cut off (barge-in), and
 * inbound PCM delivered straight to the fanout (TCP keeps order, so no jitter buffer).
 */
export class WebSocketEndpoint implements SessionTransport {
  readonly outputRate: number;
  readonly frameSamples: number;
  #receivedSamples = 0;
  #firstReceivedAt?: number;
  #closed = false;

  /** `onSlowPeer` is told when the peer stops reading and is dropped. */
  constructor(readonly socket: WebSocket, readonly framing: WebSocketFraming, readonly fanout: AudioFanout, readonly onSlowPeer: () => void = () => {}) {
    this.outputRate = framing.sampleRate;
    this.frameSamples = framing.sampleRate / 50;
  }

  /**
   * Delivers inbound PCM; its media time follows the samples received so far. Audio faster than
   * real time (beyond a short burst) is not delivered, so a peer cannot make the server decode and
   * analyse an hour of audio in a second; returns false for such audio.
   */
  receive(samples: Int16Array, nowMs = performance.now()): boolean {
    this.#firstReceivedAt ??= nowMs;
    const timestampMs = (this.#receivedSamples * 1000) / this.framing.sampleRate;
    if (timestampMs > nowMs - this.#firstReceivedAt + MAX_AHEAD_MS) return false;
    this.#receivedSamples += samples.length;
    this.fanout.push(samples, this.framing.sampleRate, timestampMs);
    return true;
  }

  sendFrame(samples: Int16Array | null): void {
    if (samples) this.#send(this.framing.audio(samples));
  }

  playbackFinished(playbackId: string, cancelled: boolean): void {
    const message = cancelled ? this.framing.clear?.() : this.framing.mark?.(playbackId);
    if (message) this.#send(message);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.close(1000, "session ended");
  }

  #send(message: string | Uint8Array): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#closed = true;
      this.onSlowPeer();
      this.socket.terminate();
      return;
    }
    this.socket.send(message);
  }
}
