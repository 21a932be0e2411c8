import { Observable, Subject } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { createResampler, type Resampler } from "../media/resampler.ts";
import { beginFrame, endFrame } from "./frame-timing.ts";

/** One output rate: its subscribers and, when it differs from the decoded rate, its resampler. */
interface RateOutput {
  readonly subject: Subject<AudioFrame>;
  subscribers: number;
  resampler?: Resampler;
  resamplerFrom?: number;
  seq: number;
}

/**
 * Delivers decoded audio at every rate someone subscribed to, from one decode: one resampler per
 * rate per session, created on first subscription and dropped with the last. It also tells the
 * decoder which rate is wanted most, so Opus can decode straight to 16 kHz when only 16 kHz
 * listeners exist (cheaper than decoding at 48 kHz and resampling).
 */
export class AudioFanout {
  readonly #outputs = new Map<number, RateOutput>();
  #preferredRate: number;
  #closed = false;

  /** @param nativeRate the codec's own rate, used when nobody has asked for a specific one */
  constructor(readonly nativeRate: number, readonly decodableRates: readonly number[] = [nativeRate]) {
    this.#preferredRate = nativeRate;
  }

  /** The rate the decoder should produce: the highest subscribed rate it can decode to directly. */
  get preferredRate(): number {
    return this.#preferredRate;
  }

  /** True when at least one subscriber is listening at any rate. */
  get hasSubscribers(): boolean {
    return this.#outputs.size > 0;
  }

  /** A stream of frames at `sampleRate`, shared by all its subscribers. */
  observe(sampleRate: number): Observable<AudioFrame> {
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48000) {
      throw new RangeError(`sample rate must be an integer from 8000 to 48000, not ${sampleRate}`);
    }
    return new Observable<AudioFrame>((subscriber) => {
      if (this.#closed) {
        subscriber.complete();
        return;
      }
      let output = this.#outputs.get(sampleRate);
      if (!output) {
        output = { subject: new Subject<AudioFrame>(), subscribers: 0, seq: 0 };
        this.#outputs.set(sampleRate, output);
        this.#updatePreferredRate();
      }
      output.subscribers++;
      const subscription = output.subject.subscribe(subscriber);
      const owned = output;
      return () => {
        subscription.unsubscribe();
        if (--owned.subscribers === 0 && this.#outputs.get(sampleRate) === owned) {
          this.#outputs.delete(sampleRate);
          this.#updatePreferredRate();
        }
      };
    });
  }

  /** Delivers one decoded block (any rate) to every subscribed rate. */
  push(samples: Int16Array, sampleRate: number, timestampMs: number): void {
    beginFrame();
    try {
      this.#deliver(samples, sampleRate, timestampMs);
    } finally {
      endFrame();
    }
  }

  #deliver(samples: Int16Array, sampleRate: number, timestampMs: number): void {
    for (const [rate, output] of this.#outputs) {
      let out = samples;
      if (rate !== sampleRate) {
        if (!output.resampler || output.resamplerFrom !== sampleRate) {
          output.resampler = createResampler(sampleRate, rate);
          output.resamplerFrom = sampleRate;
        }
        out = output.resampler.process(samples);
      }
      output.subject.next({ samples: out, sampleRate: rate, timestamp: timestampMs, seq: output.seq++ });
    }
  }

  /** Completes every stream; later subscribers complete at once. */
  close(): void {
    this.#closed = true;
    for (const output of this.#outputs.values()) output.subject.complete();
    this.#outputs.clear();
  }

  #updatePreferredRate(): void {
    let best = 0;
    for (const rate of this.#outputs.keys()) {
      best = Math.max(best, this.decodableRates.includes(rate) ? rate : this.nativeRate);
    }
    this.#preferredRate = best || this.nativeRate;
  }
}
