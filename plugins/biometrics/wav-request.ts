// Reading a WAV request body for the biometrics API: the header is checked as soon as it has
// arrived (rate, channels, format, length), so a file the API would refuse is refused before the
// rest of it is read, let alone decoded; a file it takes is read up to what its limits allow.
import { eachChunk, ParleyError } from "../../core/mod.ts";
import { MediaParseError, readWavHeader, type WavHeader } from "../../media/mod.ts";
import { BiometricsError } from "./BiometricsError.ts";

/** What a WAV request may hold. */
export interface WavLimits {
  /** Largest body, bytes. */
  maxBytes: number;
  /** Lowest and highest sample rate taken, Hz. */
  minSampleRate: number;
  maxSampleRate: number;
  /** Most channels taken (they are mixed to mono). */
  maxChannels: number;
  /** Longest audio taken, ms. */
  maxDurationMs: number;
  /** What the audio is for, in messages: "verification", "enrollment". */
  purpose: string;
}

/** The header must arrive within this many bytes: real files carry at most a few kB of metadata before their samples. */
const HEADER_SEARCH_BYTES = 256 * 1024;

/** Throws unsupported_audio or audio_too_long when a WAV header describes audio `limits` refuse. */
export function checkWavHeader(header: WavHeader, limits: WavLimits): void {
  const { sampleRate, channels } = header;
  if (sampleRate < limits.minSampleRate || sampleRate > limits.maxSampleRate) {
    throw new BiometricsError("unsupported_audio", `a WAV sampled at ${sampleRate} Hz; ${limits.purpose} takes ${limits.minSampleRate} to ${limits.maxSampleRate} Hz`);
  }
  if (channels > limits.maxChannels) {
    throw new BiometricsError("unsupported_audio", `a WAV of ${channels} channels; ${limits.purpose} takes at most ${limits.maxChannels}`);
  }
  if (header.dataBytes !== undefined) {
    const durationMs = (header.dataBytes / header.blockAlign / sampleRate) * 1000;
    if (durationMs > limits.maxDurationMs) throw tooLong(`${seconds(durationMs)} of audio`, limits);
  }
}

/** Bytes a body may hold once its header is known: the duration limit of that format past the header, within `maxBytes`. */
function byteLimit(header: WavHeader, limits: WavLimits): number {
  const maxDataBytes = Math.floor((limits.maxDurationMs / 1000) * header.sampleRate) * header.blockAlign;
  // Chunks after the samples (metadata) are allowed when the data chunk declares its size.
  return header.dataBytes === undefined ? Math.min(limits.maxBytes, header.dataOffset + maxDataBytes) : limits.maxBytes;
}

/**
 * Reads a WAV body, checking the header as soon as it has arrived: refuses with 413 a body over
 * `maxBytes` (before reading, when Content-Length says so) or audio longer than allowed, with 422
 * an unsupported rate, channel count or format, or bytes that are not a WAV file.
 */
export async function readWavRequest(request: Request, limits: WavLimits): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > limits.maxBytes) throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limits.maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let header: WavHeader | undefined;
  let limit = limits.maxBytes;
  /** Past the byte limit: too large a body, or (within it, for a streamed file) too long a recording. */
  const overLimit = () => size > limits.maxBytes ? new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limits.maxBytes) : tooLong(`more than ${seconds(limits.maxDurationMs)} of audio`, limits);
  await readChunks(request, (chunk) => {
    size += chunk.length;
    chunks.push(chunk);
    if (size > limit) throw overLimit();
    if (header) return;
    header = parseHeader(Buffer.concat(chunks), size);
    if (!header) return;
    checkWavHeader(header, limits);
    limit = byteLimit(header, limits);
    if (size > limit) throw overLimit();
  });
  const body = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (body.set(chunk, offset), offset + chunk.length), 0);
  if (!header) checkWavHeader(parseHeader(body, size, true)!, limits);
  return body;
}

/** The body's chunks to `take`; a body that breaks off is bad audio (the client went away mid-file). */
async function readChunks(request: Request, take: (chunk: Uint8Array) => void): Promise<void> {
  try {
    await eachChunk(request, take);
  } catch (error) {
    if (error instanceof ParleyError && error.code === "PARLEY_ERR_BAD_REQUEST") throw new BiometricsError("bad_audio", "the connection broke before the whole WAV file arrived");
    throw error;
  }
}

/** The header of the bytes so far, undefined while it may still come; throws bad_audio when it cannot. */
function parseHeader(bytes: Uint8Array, size: number, complete = false): WavHeader | undefined {
  let header: WavHeader | undefined;
  try {
    header = readWavHeader(bytes);
  } catch (error) {
    if (!(error instanceof MediaParseError)) throw error;
    throw new BiometricsError("bad_audio", `not a WAV file this server reads: ${error.message}`);
  }
  if (!header && (complete || size > HEADER_SEARCH_BYTES)) {
    throw new BiometricsError("bad_audio", `not a WAV file this server reads: no fmt and data chunk in the first ${Math.min(size, HEADER_SEARCH_BYTES)} bytes`);
  }
  return header;
}

function tooLong(what: string, limits: WavLimits): BiometricsError {
  return new BiometricsError("audio_too_long", `a WAV of ${what}; ${limits.purpose} takes at most ${seconds(limits.maxDurationMs)}`);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
