// Runs the resampler's WebAssembly SIMD kernels (resampler-kernels.wat) in one memory shared by
// every stream. Filter coefficients are placed there once per rate pair and stay (there are a
// handful, cached like their designs). Each call stages its stream's history and block in the
// scratch space after them and copies the result out before returning; calls are synchronous on
// one thread, so the scratch is free again at once and a stream owns nothing in there, which keeps
// a stream collectable like any object.
//
// Float32 throughout: four lanes per instruction against two for float64, and the 65 dB filter
// needs nowhere near float32's precision (outputs measured at most one step of 16 bits from
// float64's, in rounding; the stop band as deep to within 0.05 dB).

import { Int16Slab } from "./int16-slab.ts";
import { alignToCacheLine, growMemory, instantiateEmbedded } from "./wasm-kernels.ts";
import type { FilterDesign } from "./resampler-design.ts";
import { RESAMPLER_KERNELS_WASM } from "./resampler-kernels.wasm.ts";

/** Which kernel runs a filter: interpolation by 2, by any factor, or any ratio. */
type KernelKind = "interpolate2" | "interpolate" | "polyphase";

/** A filter's coefficients in kernel memory, laid out for the kernel that runs it. */
export interface KernelFilter {
  readonly up: number;
  readonly down: number;
  readonly taps: number;
  readonly kind: KernelKind;
  /** Byte address of the coefficients. */
  readonly address: number;
  /** Floats per phase in memory: `taps`, padded with zeros to a multiple of 16 for the polyphase kernel. */
  readonly stride: number;
}

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  interpolate2(coefficients: number, half: number, input: number, output: number, count: number): void;
  interpolate(coefficients: number, taps: number, up: number, input: number, output: number, count: number): void;
  polyphase(coefficients: number, stride: number, up: number, down: number, input: number, index: number, phase: number, output: number, count: number): void;
}

/** Samples the kernels may read past a window or a block: 16, four vectors of four lanes. */
const SLACK = 16;

let kernels: KernelExports | undefined;
let floats = new Float32Array(0);
let shorts = new Int16Array(0);
/** End of the coefficients in kernel memory: the scratch space starts here. */
let coefficientsEnd = 0;

/**
 * Places `design`'s coefficients in kernel memory for good, laid out for the fastest kernel that
 * can run it: interpolation by 2 takes each symmetric phase's first half, interleaved (the
 * design centres every filter on an input sample, which makes both phases symmetric); other
 * interpolations take the phases as they are; any other ratio takes each phase padded to a
 * multiple of 16 taps.
 */
export function loadFilter(design: FilterDesign): KernelFilter {
  const { up, down, taps, coefficients } = design;
  const kind: KernelKind = down !== 1 ? "polyphase" : up === 2 ? "interpolate2" : "interpolate";
  const stride = kind === "polyphase" ? Math.ceil(taps / SLACK) * SLACK : taps;
  const address = coefficientsEnd;
  reserve(address + up * stride * 4);
  coefficientsEnd = alignToCacheLine(address + up * stride * 4);
  const base = address / 4;
  floats.fill(0, base, base + up * stride);
  if (kind === "interpolate2") {
    const half = (taps - 1) / 2;
    for (let t = 0; t <= half; t++) {
      floats[base + 2 * t] = t === half ? coefficients[t]! / 2 : coefficients[t]!;
      floats[base + 2 * t + 1] = coefficients[taps + t]!;
    }
  } else {
    for (let phase = 0; phase < up; phase++) floats.set(coefficients.subarray(phase * taps, (phase + 1) * taps), base + phase * stride);
  }
  return { up, down, taps, kind, address, stride };
}

/**
 * Runs `filter` over `history` (the stream's last taps - 1 input samples, which it then updates)
 * followed by `input`, giving `count` outputs; the first output applies phase `phase` to the
 * window starting `index` samples into the history. Returns an array the caller may keep (no later
 * call writes to it), which shares its ArrayBuffer with other outputs: copy it before transferring
 * or posting it to a worker (structured cloning copies the whole buffer).
 */
export function runFilter(filter: KernelFilter, history: Float32Array, input: Int16Array, index: number, phase: number, count: number): Int16Array {
  const { up, taps, kind, address, stride } = filter;
  const historyLength = history.length;
  const length = input.length;
  // Scratch: the window (history, block, slack), then the outputs, padded to whole vectors.
  const window = coefficientsEnd;
  const windowSamples = historyLength + length + SLACK;
  const output = alignToCacheLine(window + windowSamples * 4);
  const outputSamples = kind === "polyphase" ? count : Math.ceil(length / SLACK) * SLACK * up;
  reserve(output + outputSamples * 2);

  const base = window / 4;
  floats.set(history, base);
  floats.set(input, base + historyLength);
  floats.fill(0, base + historyLength + length, base + windowSamples);
  const exports = kernels!;
  if (kind === "interpolate2") exports.interpolate2(address, (taps - 1) / 2, window, output, length);
  else if (kind === "interpolate") exports.interpolate(address, stride, up, window, output, length);
  else exports.polyphase(address, stride * 4, up, filter.down, window, index, phase, output, count);
  history.set(floats.subarray(base + length, base + length + historyLength));
  const result = outputs.take(count);
  result.set(shorts.subarray(output / 2, output / 2 + count));
  return result;
}

/** Where outputs are carved from: a view each, not a buffer each, which halves the cost of 8 to 16 kHz. */
const outputs = new Int16Slab();

/** `count` zero outputs, carved where `runFilter`'s are: a silent block after a silent history needs no filter. */
export function silentOutput(count: number): Int16Array {
  return outputs.take(count);
}

/** Makes kernel memory at least `bytes` long, instantiating the kernels on first use. */
function reserve(bytes: number): void {
  if (bytes <= floats.byteLength) return;
  kernels ??= instantiateEmbedded<KernelExports>(RESAMPLER_KERNELS_WASM);
  const memory = kernels.memory;
  growMemory(memory, bytes);
  // Growing replaces the memory's buffer, and with it every view of the old one.
  floats = new Float32Array(memory.buffer);
  shorts = new Int16Array(memory.buffer);
}
