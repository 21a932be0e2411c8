import type { AudioFrame } from "../media/frame.ts";
import { createResampler } from "../media/resampler.ts";
import { shareFrame } from "./shared-encodings.ts";

/**
 * Finished audio that many calls play (a cached prompt, a hold announcement): `session.play(clip)`.
 * It is cut into each output format's frames once, and those same frames go to every call, so
 * their encodings are shared too (shared-encodings.ts): playing it to another caller costs
 * neither a resampling nor an encode.
 */
export class AudioClip {
  readonly #framesByFormat = new Map<string, readonly Int16Array[]>();

  /** `samples` are the clip's, never changed afterwards. */
  constructor(readonly samples: Int16Array, readonly sampleRate: number) {
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`a clip's rate must be a positive integer, not ${sampleRate}`);
  }

  /** The clip of consecutive frames; throws RangeError when their rates differ. */
  static fromFrames(frames: readonly AudioFrame[]): AudioClip {
    const sampleRate = frames[0]?.sampleRate ?? 8000;
    const samples = new Int16Array(frames.reduce((sum, frame) => sum + frame.samples.length, 0));
    let offset = 0;
    for (const frame of frames) {
      if (frame.sampleRate !== sampleRate) throw new RangeError(`a clip has one rate: ${frame.sampleRate} Hz after ${sampleRate} Hz`);
      samples.set(frame.samples, offset);
      offset += frame.samples.length;
    }
    return new AudioClip(samples, sampleRate);
  }

  /** Length in ms. */
  get durationMs(): number {
    return (this.samples.length * 1000) / this.sampleRate;
  }

  /** Memory it holds: its samples and the frames cut from them so far. */
  get byteLength(): number {
    let bytes = this.samples.byteLength;
    for (const frames of this.#framesByFormat.values()) bytes += frames.length * (frames[0]?.byteLength ?? 0);
    return bytes;
  }

  /** The clip as frames of `frameSamples` at `rate`, the last padded with silence: the same arrays on every call. */
  framesFor(rate: number, frameSamples: number): readonly Int16Array[] {
    const format = `${rate}/${frameSamples}`;
    let frames = this.#framesByFormat.get(format);
    if (!frames) {
      const samples = rate === this.sampleRate ? this.samples : createResampler(this.sampleRate, rate).process(this.samples);
      const cut: Int16Array[] = [];
      for (let start = 0; start < samples.length; start += frameSamples) {
        const frame = new Int16Array(frameSamples);
        frame.set(samples.subarray(start, Math.min(start + frameSamples, samples.length)));
        shareFrame(frame);
        cut.push(frame);
      }
      frames = cut;
      this.#framesByFormat.set(format, frames);
    }
    return frames;
  }
}
