import type { AudioFrame } from "../../media/mod.ts";

/** Cuts PCM that arrives in chunks of any size into consecutive 20 ms frames with timestamps from 0. */
export class FrameChunker {
  readonly frameSamples: number;
  #pending: Int16Array;
  #filled = 0;
  #seq = 0;

  constructor(readonly sampleRate: number, frameMs = 20) {
    this.frameSamples = Math.round((sampleRate * frameMs) / 1000);
    this.#pending = new Int16Array(this.frameSamples);
  }

  /** Adds samples; returns the frames they complete. */
  push(samples: Int16Array): AudioFrame[] {
    const frames: AudioFrame[] = [];
    for (let offset = 0; offset < samples.length;) {
      const take = Math.min(this.frameSamples - this.#filled, samples.length - offset);
      this.#pending.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.frameSamples) frames.push(this.#emit(this.frameSamples));
    }
    return frames;
  }

  /** The last, shorter frame, if any samples are left. */
  flush(): AudioFrame[] {
    return this.#filled > 0 ? [this.#emit(this.#filled)] : [];
  }

  #emit(length: number): AudioFrame {
    const frame: AudioFrame = {
      samples: this.#pending.slice(0, length),
      sampleRate: this.sampleRate,
      timestamp: (this.#seq * this.frameSamples * 1000) / this.sampleRate,
      seq: this.#seq++,
    };
    this.#filled = 0;
    return frame;
  }
}
