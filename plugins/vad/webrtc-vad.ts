// The WebRTC voice activity detector (libfvad, compiled to WASM): a Gaussian mixture model over
// six frequency bands, a few microseconds per 10 ms block, so it runs inline on the frame path.
import createFvad, { type FvadModule } from "@echogarden/fvad-wasm";
import { Observable, type Subscriber } from "rxjs";
import type { AudioFrame } from "../../media/mod.ts";
import { createRateConverter } from "./rate-converter.ts";
import type { VadDecision, VoiceActivityDetector } from "./VoiceActivityDetector.ts";

/** Options of the WebRTC VAD. */
export interface WebRtcVadOptions {
  /** Aggressiveness 0 (quality) to 3 (very aggressive: fewest non-speech frames called speech). Default 3. */
  mode?: 0 | 1 | 2 | 3;
}

/** Rates libfvad accepts; other rates are resampled to 16 kHz. */
const NATIVE_RATES = new Set([8000, 16000, 32000, 48000]);
/** libfvad takes 10, 20 or 30 ms blocks; 10 ms lets any frame length be cut into whole blocks. */
const BLOCK_MS = 10;
/** Scratch sized at first for a 60 ms frame at 48 kHz, plus a partial block carried over; longer frames grow it. */
const SCRATCH_MS = 70;

let modulePromise: Promise<FvadModule> | undefined;

/** Loads the WebRTC VAD (the WASM module is shared by every detector of the process). */
export async function createWebRtcVad(options: WebRtcVadOptions = {}): Promise<VoiceActivityDetector> {
  const mode = options.mode ?? 3;
  if (![0, 1, 2, 3].includes(mode)) throw new RangeError(`WebRTC VAD mode must be 0, 1, 2 or 3, got ${mode}`);
  const fvad = await (modulePromise ??= createFvad());
  return new WebRtcVad(fvad, mode);
}

class WebRtcVad implements VoiceActivityDetector {
  readonly name = "webrtc";
  readonly #fvad: FvadModule;
  readonly #mode: number;
  /** Scratch samples in WASM memory, shared by all streams (processing is synchronous); grows to the longest frame. */
  #scratch: number;
  #scratchSamples: number;
  readonly #streams = new Set<Subscriber<VadDecision>>();
  #closed = false;

  constructor(fvad: FvadModule, mode: number) {
    this.#fvad = fvad;
    this.#mode = mode;
    this.#scratchSamples = (48000 * SCRATCH_MS) / 1000;
    this.#scratch = fvad._malloc(this.#scratchSamples * 2);
  }

  /** The scratch, at least `samples` long. Growing it may grow WASM memory: read `HEAP16` afresh after. */
  #reserve(samples: number): number {
    if (samples > this.#scratchSamples) {
      this.#fvad._free(this.#scratch);
      this.#scratch = this.#fvad._malloc(samples * 2);
      this.#scratchSamples = samples;
    }
    return this.#scratch;
  }

  classify(frames: Observable<AudioFrame>): Observable<VadDecision> {
    return new Observable<VadDecision>((subscriber) => {
      if (this.#closed) {
        subscriber.error(new Error("WebRTC VAD is closed"));
        return;
      }
      const fvad = this.#fvad;
      const handle = fvad._fvad_new();
      this.#streams.add(subscriber);
      fvad._fvad_set_mode(handle, this.#mode);
      const converter = createRateConverter((rate) => (NATIVE_RATES.has(rate) ? rate : 16000));
      let blockRate = 0;
      let blockLength = 0;
      /** The samples after the last whole block, waiting for the next frame to complete it. */
      let pending = new Int16Array(0);
      let filled = 0;
      let probability = 0;
      const subscription = frames.subscribe({
        next: (frame) => {
          const samples = converter.convert(frame);
          if (converter.rate !== blockRate) {
            blockRate = converter.rate;
            fvad._fvad_reset(handle);
            fvad._fvad_set_mode(handle, this.#mode);
            fvad._fvad_set_sample_rate(handle, blockRate);
            blockLength = (blockRate * BLOCK_MS) / 1000;
            pending = new Int16Array(blockLength);
            filled = 0;
          }
          const total = filled + samples.length;
          const blocks = Math.floor(total / blockLength);
          if (blocks > 0) {
            // One copy, straight into WASM memory, and libfvad reads each block where it lies.
            const pointer = this.#reserve(total);
            const heap = fvad.HEAP16;
            if (filled > 0) heap.set(pending.subarray(0, filled), pointer >> 1);
            heap.set(samples, (pointer >> 1) + filled);
            let speechBlocks = 0;
            for (let block = 0; block < blocks; block++) {
              if (fvad._fvad_process(handle, pointer + block * blockLength * 2, blockLength) === 1) speechBlocks++;
            }
            probability = speechBlocks / blocks;
            // What is left over is shorter than a block, so it lies within this frame's samples.
            filled = total - blocks * blockLength;
            if (filled > 0) pending.set(samples.subarray(samples.length - filled));
          } else {
            // A frame shorter than a block repeats the last verdict rather than inventing one.
            pending.set(samples, filled);
            filled = total;
          }
          subscriber.next({
            timestamp: frame.timestamp,
            durationMs: (frame.samples.length * 1000) / frame.sampleRate,
            probability,
            speech: probability >= 0.5,
          });
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        this.#streams.delete(subscriber);
        fvad._fvad_free(handle);
      };
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const stream of [...this.#streams]) stream.error(new Error("WebRTC VAD was closed"));
      this.#fvad._free(this.#scratch);
    }
    return Promise.resolve();
  }
}
