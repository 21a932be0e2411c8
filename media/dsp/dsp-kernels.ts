// Runs the WebAssembly kernels of the FFT, the filterbanks and the DCT (dsp-kernels.wat) in one
// memory shared by every RealFft, Filterbank and Dct. Each transform size's tables, filterbank and
// DCT shape are placed there once and stay (a process uses a handful, whatever its stream count).
// A call stages its data in the scratch space after them and copies its results out before
// returning; calls are synchronous on one thread, so the scratch is free again at once.
import { alignToCacheLine, growMemory, instantiateEmbedded } from "../wasm-kernels.ts";
import { DSP_KERNELS_WASM } from "./dsp-kernels.wasm.ts";

/** The kernels' exports; addresses are bytes into `memory`. */
export interface DspKernels {
  readonly memory: WebAssembly.Memory;
  pack(samples: number, window: number, reverse: number, half: number, re: number, im: number): void;
  transform(re: number, im: number, cos: number, sin: number, n: number): void;
  split(zr: number, zi: number, wc: number, ws: number, half: number, re: number, im: number): void;
  power(re: number, im: number, power: number, bins: number): void;
  dct(matrix: number, inputs: number, pairs: number, input: number, out: number): void;
  filterbank(weights: number, layout: number, bands: number, power: number, out: number): void;
}

/** Where one filterbank lies in kernel memory (byte addresses). */
export interface FilterbankTables {
  readonly weights: number;
  readonly layout: number;
}

/** Where one transform size's tables lie in kernel memory (byte addresses). */
export interface FftTables {
  readonly reverse: number;
  readonly cos: number;
  readonly sin: number;
  readonly splitCos: number;
  readonly splitSin: number;
}

/** Byte addresses of one call's scratch arrays for a transform of 2 * `half` real samples (a DCT or a filterbank uses the first few). */
export interface FftScratch {
  readonly zr: number;
  readonly zi: number;
  readonly re: number;
  readonly im: number;
  readonly power: number;
  readonly samples: number;
  readonly window: number;
}

let kernels: DspKernels | undefined;
/** Views of kernel memory, replaced whenever it grows. */
let doubles = new Float64Array(0);
let shorts = new Int16Array(0);
let words = new Uint32Array(0);
let tablesEnd = 0;
const tablesBySize = new Map<number, FftTables>();
const matricesByShape = new Map<string, number>();
const filterbanksByKey = new Map<string, FilterbankTables>();
/** Scratch layouts by size, until more tables move the scratch space. */
const scratchBySize = new Map<number, FftScratch>();

/** The kernels, instantiated on first use. */
export function dspKernels(): DspKernels {
  return (kernels ??= instantiateEmbedded<DspKernels>(DSP_KERNELS_WASM));
}

/** Kernel memory as float64 values (a view valid until the memory next grows: fetch it per call). */
export function kernelDoubles(): Float64Array {
  return doubles;
}

/** Kernel memory as int16 values (like kernelDoubles). */
export function kernelShorts(): Int16Array {
  return shorts;
}

/** Places the tables of a `half`-point complex transform in kernel memory, once per size. */
export function loadTables(half: number, reverse: Uint32Array, cos: Float64Array, sin: Float64Array, splitCos: Float64Array, splitSin: Float64Array): FftTables {
  const known = tablesBySize.get(half);
  if (known !== undefined) return known;
  const tables = { reverse: place(reverse.byteLength), cos: place(cos.byteLength), sin: place(sin.byteLength), splitCos: place(splitCos.byteLength), splitSin: place(splitSin.byteLength) };
  words.set(reverse, tables.reverse / 4);
  doubles.set(cos, tables.cos / 8);
  doubles.set(sin, tables.sin / 8);
  doubles.set(splitCos, tables.splitCos / 8);
  doubles.set(splitSin, tables.splitSin / 8);
  tablesBySize.set(half, tables);
  return tables;
}

/**
 * Places the `outputs` x `inputs` row-major DCT `matrix` in kernel memory, once per shape, rows
 * interleaved two by two as the dct kernel reads them (an odd last row paired with zeros).
 */
export function loadMatrix(matrix: Float64Array, inputs: number, outputs: number): number {
  const shape = `${inputs}x${outputs}`;
  const known = matricesByShape.get(shape);
  if (known !== undefined) return known;
  const pairs = Math.ceil(outputs / 2);
  const address = place(16 * pairs * inputs);
  const base = address / 8;
  // The space may have been scratch, and an odd last row's partner lane must read zeros.
  doubles.fill(0, base, base + 2 * pairs * inputs);
  for (let k = 0; k < outputs; k++) {
    for (let i = 0; i < inputs; i++) doubles[base + 2 * ((k >> 1) * inputs + i) + (k & 1)] = matrix[k * inputs + i]!;
  }
  matricesByShape.set(shape, address);
  return address;
}

/**
 * Places a filterbank's `weights` and each band's first bin and weight count in kernel memory,
 * once per `key` (what determines the filterbank: every stream builds its own, alike).
 */
export function loadFilterbank(key: string, weights: Float64Array, firstBins: ArrayLike<number>, offsets: ArrayLike<number>): FilterbankTables {
  const known = filterbanksByKey.get(key);
  if (known !== undefined) return known;
  const bands = firstBins.length;
  const tables = { weights: place(weights.byteLength), layout: place(8 * bands) };
  doubles.set(weights, tables.weights / 8);
  for (let b = 0; b < bands; b++) {
    words[tables.layout / 4 + 2 * b] = firstBins[b]!;
    words[tables.layout / 4 + 2 * b + 1] = offsets[b + 1]! - offsets[b]!;
  }
  filterbanksByKey.set(key, tables);
  return tables;
}

/** `bytes` of kernel memory for good, before the scratch space (which moves after them). */
function place(bytes: number): number {
  const address = tablesEnd;
  tablesEnd = alignToCacheLine(address + bytes);
  reserve(tablesEnd);
  scratchBySize.clear();
  return address;
}

/** Scratch for one call on a transform of 2 * `half` real samples (or a DCT or filterbank of up to `half` values), after every table. */
export function scratch(half: number): FftScratch {
  const known = scratchBySize.get(half);
  if (known !== undefined) return known;
  let end = tablesEnd;
  const next = (bytes: number): number => {
    const address = end;
    end = alignToCacheLine(address + bytes);
    return address;
  };
  const values = 8 * (half + 1);
  const result = { zr: next(values), zi: next(values), re: next(values), im: next(values), power: next(values), samples: next(4 * half), window: next(16 * half) };
  reserve(end);
  scratchBySize.set(half, result);
  return result;
}

/** Makes kernel memory at least `bytes` long. */
function reserve(bytes: number): void {
  const memory = dspKernels().memory;
  growMemory(memory, bytes);
  if (doubles.buffer !== memory.buffer) {
    // Growing replaces the memory's buffer, and with it every view of the old one.
    doubles = new Float64Array(memory.buffer);
    shorts = new Int16Array(memory.buffer);
    words = new Uint32Array(memory.buffer);
  }
}
