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

/**
 * The outbound half of a WebSocket call leg and its inbound entry point: frames paced by the
 * shared 20 ms clock, `mark` after each playback, `clear` when one is cut off (barge-in), and
 * inbound PCM delivered straight to the fanout (TCP keeps order, so no jitter buffer).
 */
export class WebSocketEndpoint implements SessionTransport {
  readonly outputRate: number;
  readonly frameSamples: number;
  #receivedSamples = 0;
  #closed = false;

  constructor(readonly socket: WebSocket, readonly framing: WebSocketFraming, readonly fanout: AudioFanout) {
    this.outputRate = framing.sampleRate;
    this.frameSamples = framing.sampleRate / 50;
  }

  /** Delivers inbound PCM; its media time follows the samples received so far. */
  receive(samples: Int16Array): void {
    const timestampMs = (this.#receivedSamples * 1000) / this.framing.sampleRate;
    this.#receivedSamples += samples.length;
    this.fanout.push(samples, this.framing.sampleRate, timestampMs);
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
    if (!this.#closed && this.socket.readyState === this.socket.OPEN) this.socket.send(message);
  }
}
