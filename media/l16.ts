// L16 (RFC 3551 section 4.5.11): uncompressed 16-bit signed PCM in network (big-endian) byte
// order, at whatever rate the SDP names. Mono only, as Parley's frames are mono.
import type { AudioDecoder, AudioEncoder } from "./codec.ts";
import { MediaParseError } from "./errors.ts";
import { FadeConcealer } from "./fade-concealer.ts";

/** Decodes big-endian L16 bytes to PCM, into `out` (at least `bytes.length / 2` long) when given. */
export function decodeL16(bytes: Uint8Array, out = new Int16Array(bytes.length >> 1)): Int16Array {
  if (bytes.length % 2 !== 0) {
    throw new MediaParseError("odd_length", `L16 payload has ${bytes.length} bytes, not a whole number of 16-bit samples`);
  }
  for (let i = 0, j = 0; j < bytes.length; i++, j += 2) out[i] = ((bytes[j]! << 24) | (bytes[j + 1]! << 16)) >> 16;
  return out;
}

/** Encodes PCM to big-endian L16 bytes, into `out` (at least `2 * samples.length` long) when given. */
export function encodeL16(samples: Int16Array, out = new Uint8Array(samples.length * 2)): Uint8Array {
  for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
    const sample = samples[i]!;
    out[j] = sample >> 8;
    out[j + 1] = sample;
  }
  return out;
}

function checkSampleRate(sampleRate: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`L16 sample rate must be a positive integer, got ${sampleRate}`);
}

/** L16 decoder for one mono stream at `sampleRate`, with fade-out loss concealment. */
export class L16Decoder implements AudioDecoder {
  readonly #concealer: FadeConcealer;

  /** Creates a decoder; throws RangeError unless `sampleRate` is a positive integer. */
  constructor(readonly sampleRate: number) {
    checkSampleRate(sampleRate);
    this.#concealer = new FadeConcealer(sampleRate);
  }

  /** Decodes one payload; throws MediaParseError (`odd_length`) on a payload with a stray byte. */
  decode(payload: Uint8Array): Int16Array {
    const samples = decodeL16(payload);
    this.#concealer.remember(samples);
    return samples;
  }

  /** Returns `samples` samples of the last audio fading to silence over 60 ms of loss. */
  conceal(samples: number): Int16Array {
    return this.#concealer.conceal(samples);
  }
}

/** L16 encoder for one mono stream at `sampleRate`. */
export class L16Encoder implements AudioEncoder {
  /** Creates an encoder; throws RangeError unless `sampleRate` is a positive integer. */
  constructor(readonly sampleRate: number) {
    checkSampleRate(sampleRate);
  }

  /** Encodes one frame to big-endian bytes. */
  encode(samples: Int16Array): Uint8Array {
    return encodeL16(samples);
  }
}
