import type { AudioFanout } from "../AudioFanout.ts";
import type { SessionTransport } from "../Session.ts";
import { MediaTokenBucket } from "./MediaTokenBucket.ts";
import type { WebSocketPeer } from "./WebSocketPeer.ts";

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

/** How far inbound audio may run ahead of real time (a burst after a network stall), ms. */
const MAX_BURST_MS = 1000;

/**
 * The outbound half of a WebSocket call leg and its inbound entry point: frames paced by the
 * shared 20 ms clock, `mark` after each playback, `clear` when one is cut off (barge-in), and
 * inbound PCM delivered straight to the fanout (TCP keeps order, so no jitter buffer). Everything
 * sent goes through the peer's bounded send buffer.
 */
export class WebSocketEndpoint implements SessionTransport {
  readonly outputRate: number;
  readonly frameSamples: number;
  readonly #pacing = new MediaTokenBucket(MAX_BURST_MS);
  #receivedSamples = 0;

  constructor(readonly peer: WebSocketPeer, readonly framing: WebSocketFraming, readonly fanout: AudioFanout) {
    this.outputRate = framing.sampleRate;
    this.frameSamples = framing.sampleRate / 50;
  }

  /**
   * Whether `sampleCount` inbound samples may be delivered now: at most real time plus a short
   * burst, so a peer cannot make the server decode and analyse an hour of audio in a second.
   * Asked before the audio is decoded, so refused audio costs nothing more.
   */
  admit(sampleCount: number, nowMs = performance.now()): boolean {
    return this.#pacing.take((sampleCount * 1000) / this.framing.sampleRate, nowMs);
  }

  /** Delivers admitted inbound PCM; its media time follows the samples delivered so far. */
  deliver(samples: Int16Array): void {
    const timestampMs = (this.#receivedSamples * 1000) / this.framing.sampleRate;
    this.#receivedSamples += samples.length;
    this.fanout.push(samples, this.framing.sampleRate, timestampMs);
  }

  sendFrame(samples: Int16Array | null): void {
    if (samples) this.peer.send(this.framing.audio(samples));
  }

  playbackFinished(playbackId: string, cancelled: boolean): void {
    const message = cancelled ? this.framing.clear?.() : this.framing.mark?.(playbackId);
    if (message) this.peer.send(message);
  }

  close(): void {
    this.peer.close(1000, "session ended");
  }
}
