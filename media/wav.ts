// RIFF/WAVE files in and out, always as 16-bit PCM in memory. Reading accepts what recorders,
// telephony systems and ffmpeg actually write: PCM of 8 (unsigned), 16, 24 or 32 bits, IEEE float,
// G.711 A-law and mu-law, WAVE_FORMAT_EXTENSIBLE, chunks in any order with their pad bytes, and a
// `data` size of 0 or 0xFFFFFFFF, which streaming writers leave when they cannot seek back.
import { MediaParseError } from "./errors.ts";
import { decodeAlaw, decodeMulaw } from "./g711.ts";

/** How a WAV file stored its samples before they were converted to 16-bit PCM. */
export type WavEncoding = "pcm" | "float" | "alaw" | "mulaw";

/** The audio of a WAV file. */
export interface WavAudio {
  /** Samples per second per channel. */
  readonly sampleRate: number;
  /** Number of interleaved channels. */
  readonly channels: number;
  /** Bits per sample as stored in the file (8, 16, 24, 32 or 64), not in `samples`. */
  readonly bitsPerSample: number;
  /** The stored sample format. */
  readonly encoding: WavEncoding;
  /** 16-bit PCM, interleaved when there are several channels; a copy, not a view of the input. */
  readonly samples: Int16Array;
}

interface WavFormat {
  readonly encoding: WavEncoding;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
}

/** Bytes of the canonical header (RIFF, fmt and data chunk headers) `writeWav` and `wavHeader` write. */
export const WAV_HEADER_BYTES = 44;
const HEADER_BYTES = WAV_HEADER_BYTES;
/** A `data` size meaning "the rest of the file": streaming writers cannot fill in the real one. */
const STREAMING_SIZES = new Set([0, 0xffffffff]);
const FORMAT_TAGS: Record<number, WavEncoding> = { 1: "pcm", 3: "float", 6: "alaw", 7: "mulaw" };
const BITS_BY_ENCODING: Record<WavEncoding, readonly number[]> = {
  pcm: [8, 16, 24, 32],
  float: [32, 64],
  alaw: [8],
  mulaw: [8],
};
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2-15 of every KSDATAFORMAT_SUBTYPE GUID (the first two hold the format tag). */
const SUBFORMAT_GUID_TAIL = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * What a WAV file's header says, read without touching a sample: enough to refuse a file for its
 * rate, format or length before paying for decoding it.
 */
export interface WavHeader {
  readonly sampleRate: number;
  readonly channels: number;
  /** Bits per sample as stored in the file. */
  readonly bitsPerSample: number;
  readonly encoding: WavEncoding;
  /** Bytes per sample frame (all channels). */
  readonly blockAlign: number;
  /** Offset of the first sample byte. */
  readonly dataOffset: number;
  /** Sample bytes the data chunk declares; undefined for a streamed file (the data runs to the end of the file). */
  readonly dataBytes: number | undefined;
}

/**
 * Reads the header of a WAV file from its first bytes (as they arrive from a socket): the format
 * and where the data chunk starts. Undefined while `bytes` end before both are known; throws
 * MediaParseError as soon as they show the file is malformed or in a format `readWav` cannot read.
 */
export function readWavHeader(bytes: Uint8Array): WavHeader | undefined {
  return scanWav(bytes, false);
}

/** Parses a WAV file to 16-bit PCM; throws MediaParseError (with a `reason` code) if it is malformed. */
export function readWav(bytes: Uint8Array): WavAudio {
  const header = scanWav(bytes, true)!;
  const { blockAlign, channels, dataOffset } = header;
  const dataBytes = header.dataBytes ?? bytes.length - dataOffset;
  if (header.dataBytes !== undefined && dataBytes % blockAlign !== 0) {
    throw new MediaParseError("bad_data_size", `data chunk of ${dataBytes} bytes is not a whole number of ${blockAlign}-byte frames`);
  }
  // A streamed file may end mid-frame when its writer was stopped: keep the whole frames.
  const count = Math.floor(dataBytes / blockAlign) * channels;
  const samples = convertSamples(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), dataOffset, count, header);
  return { sampleRate: header.sampleRate, channels, bitsPerSample: header.bitsPerSample, encoding: header.encoding, samples };
}

/**
 * Walks the chunks of a whole file (`complete`) or of its first bytes. A prefix yields undefined
 * where a whole file would be truncated or lack a chunk, since the missing bytes may still come.
 */
function scanWav(bytes: Uint8Array, complete: boolean): WavHeader | undefined {
  if (bytes.length < 12) {
    if (!complete) return undefined;
    throw new MediaParseError("too_short", `WAV needs at least 12 bytes, got ${bytes.length}`);
  }
  if (fourcc(bytes, 0) !== "RIFF") throw new MediaParseError("not_riff", `not a RIFF file (starts with "${fourcc(bytes, 0)}")`);
  if (fourcc(bytes, 8) !== "WAVE") throw new MediaParseError("not_wave", `RIFF file of type "${fourcc(bytes, 8)}", not WAVE`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: WavFormat | undefined;
  let dataOffset = -1;
  let dataBytes: number | undefined;
  let streamed = false;
  for (let offset = 12; !(format && dataOffset >= 0); ) {
    if (offset + 8 > bytes.length) {
      if (!complete) return undefined;
      break;
    }
    const id = fourcc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "data" && dataOffset < 0 && STREAMING_SIZES.has(size)) {
      dataOffset = body;
      streamed = true;
      break;
    }
    const overruns = body + size > bytes.length;
    if (id === "data" && dataOffset < 0) {
      if (overruns && complete) throw truncated("data", size, bytes.length - body);
      dataOffset = body;
      dataBytes = size;
    } else if (id === "fmt " && !format) {
      if (overruns) {
        if (!complete) return undefined;
        throw truncated("fmt", size, bytes.length - body);
      }
      format = parseFormat(bytes, view, body, size);
    } else if (overruns) {
      if (!complete) return undefined;
      break; // a damaged chunk we do not need, such as trailing metadata
    }
    offset = body + size + (size & 1);
  }
  if (!format) {
    if (!complete && !streamed) return undefined;
    throw new MediaParseError("missing_fmt", streamed ? "WAV has no fmt chunk before its open-ended data chunk" : "WAV has no fmt chunk");
  }
  if (dataOffset < 0) throw new MediaParseError("missing_data", "WAV has no data chunk");
  return { ...format, dataOffset, dataBytes };
}

/** The canonical 44-byte header of a 16-bit PCM WAV holding `dataBytes` of samples (a file written while it grows patches its sizes). */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  writeFourcc(header, 0, "RIFF");
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  writeFourcc(header, 8, "WAVE");
  writeFourcc(header, 12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  writeFourcc(header, 36, "data");
  view.setUint32(40, dataBytes, true);
  return header;
}

/** Builds a 16-bit PCM WAV file; throws RangeError on a rate, channel count or length that cannot be written. */
export function writeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) throw new RangeError(`bad sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels <= 0 || channels > 0xffff) throw new RangeError(`bad channel count ${channels}`);
  if (samples.length % channels !== 0) throw new RangeError(`${samples.length} samples do not divide into ${channels} channels`);
  const dataBytes = samples.length * 2;
  if (HEADER_BYTES - 8 + dataBytes > 0xffffffff) throw new RangeError("audio too long for a RIFF file (4 GiB)");

  const out = new Uint8Array(HEADER_BYTES + dataBytes);
  out.set(wavHeader(sampleRate, channels, dataBytes));
  const view = new DataView(out.buffer);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, dataBytes), HEADER_BYTES);
  } else {
    for (let i = 0; i < samples.length; i++) view.setInt16(HEADER_BYTES + 2 * i, samples[i]!, true);
  }
  return out;
}

/** Averages interleaved channels into one (rounded); throws RangeError if the length is not a whole number of frames. */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels <= 0) throw new RangeError(`bad channel count ${channels}`);
  if (interleaved.length % channels !== 0) throw new RangeError(`${interleaved.length} samples do not divide into ${channels} channels`);
  if (channels === 1) return interleaved.slice();
  const out = new Int16Array(interleaved.length / channels);
  for (let frame = 0, i = 0; frame < out.length; frame++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++]!;
    out[frame] = Math.round(sum / channels);
  }
  return out;
}

function parseFormat(bytes: Uint8Array, view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw new MediaParseError("bad_fmt", `fmt chunk of ${size} bytes, needs at least 16`);
  let tag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new MediaParseError("bad_fmt", `WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes, needs 40`);
    if (SUBFORMAT_GUID_TAIL.some((byte, i) => bytes[offset + 26 + i] !== byte)) {
      throw new MediaParseError("unsupported_format", "WAVE_FORMAT_EXTENSIBLE with a sub-format that is not a plain format tag");
    }
    tag = view.getUint16(offset + 24, true);
  }
  const encoding = FORMAT_TAGS[tag];
  if (!encoding) throw new MediaParseError("unsupported_format", `unsupported WAV format tag 0x${tag.toString(16)}`);
  if (!BITS_BY_ENCODING[encoding].includes(bitsPerSample)) {
    throw new MediaParseError("unsupported_format", `unsupported ${encoding} WAV with ${bitsPerSample} bits per sample`);
  }
  if (channels === 0) throw new MediaParseError("bad_fmt", "fmt chunk declares 0 channels");
  if (sampleRate === 0) throw new MediaParseError("bad_fmt", "fmt chunk declares a sample rate of 0");
  if (blockAlign !== (channels * bitsPerSample) / 8) {
    throw new MediaParseError("bad_fmt", `block align ${blockAlign} does not match ${channels} channels of ${bitsPerSample} bits`);
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

function convertSamples(bytes: Uint8Array, view: DataView, start: number, count: number, format: WavFormat): Int16Array {
  const end = start + count * (format.bitsPerSample / 8);
  if (format.encoding === "alaw") return decodeAlaw(bytes.subarray(start, end));
  if (format.encoding === "mulaw") return decodeMulaw(bytes.subarray(start, end));
  if (format.encoding === "pcm" && format.bitsPerSample === 16 && LITTLE_ENDIAN) return new Int16Array(bytes.slice(start, end).buffer);

  const out = new Int16Array(count);
  const step = format.bitsPerSample / 8;
  if (format.encoding === "float") {
    const read = step === 4 ? (p: number) => view.getFloat32(p, true) : (p: number) => view.getFloat64(p, true);
    for (let i = 0, p = start; i < count; i++, p += step) out[i] = floatToInt16(read(p));
  } else if (step === 1) {
    for (let i = 0, p = start; i < count; i++, p++) out[i] = (bytes[p]! - 128) << 8;
  } else {
    // Keep the two most significant bytes (last, in little-endian order) of each sample.
    for (let i = 0, p = start + step - 2; i < count; i++, p += step) out[i] = view.getInt16(p, true);
  }
  return out;
}

function floatToInt16(value: number): number {
  const scaled = Math.round(value * 32768);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled || 0;
}

function truncated(chunk: string, size: number, available: number): MediaParseError {
  return new MediaParseError("truncated", `${chunk} chunk declares ${size} bytes but only ${available} follow`);
}

function fourcc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function writeFourcc(bytes: Uint8Array, offset: number, id: string): void {
  for (let i = 0; i < 4; i++) bytes[offset + i] = id.charCodeAt(i);
}
