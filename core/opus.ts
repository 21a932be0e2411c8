import { createRequire } from "node:module";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AudioDecoder, AudioEncoder } from "../media/codec.ts";

/** The native object @discordjs/opus exposes: one libopus encoder and decoder pair. */
interface NativeOpus {
  encode(pcm: Uint8Array): Uint8Array;
  decode(packet: Uint8Array): Uint8Array;
  applyEncoderCTL(ctl: number, value: number): void;
  setBitrate(bitrate: number): void;
}
type NativeOpusClass = new (rate: number, channels: number) => NativeOpus;

/** Rates libopus can decode to directly (it resamples internally at no extra cost). */
export const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

let nativeClass: NativeOpusClass | undefined;

/**
 * Loads the @discordjs/opus addon. Its own loader looks for a folder named after the runtime's
 * ABI, which Deno does not match, so we load whichever addon the install built.
 */
function loadNative(): NativeOpusClass {
  if (nativeClass) return nativeClass;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@discordjs/opus/package.json"));
  const prebuild = join(root, "prebuild");
  const candidates = existsSync(prebuild)
    ? readdirSync(prebuild).map((dir) => join(prebuild, dir, "opus.node")).filter(existsSync)
    : [];
  const own = candidates.find((path) => path.includes(`node-v${process.versions.modules}-`));
  const path = own ?? candidates[0];
  if (!path) throw new Error(`@discordjs/opus has no built addon under ${prebuild}: run npm install (it needs python3, make and g++)`);
  nativeClass = (require(path) as { OpusEncoder: NativeOpusClass }).OpusEncoder;
  return nativeClass;
}

/** Native addons want a Node Buffer; this views the same memory without copying. */
function asBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Views little-endian PCM bytes from the addon (a fresh buffer per call) as samples. */
function toSamples(pcm: Uint8Array): Int16Array {
  const count = pcm.byteLength >> 1;
  return (pcm.byteOffset & 1) === 0 ? new Int16Array(pcm.buffer, pcm.byteOffset, count) : new Int16Array(pcm.slice().buffer);
}

/**
 * libopus decoder to mono PCM at any of OPUS_RATES. A mono decoder also takes stereo packets:
 * libopus downmixes them itself.
 */
export class OpusDecoder implements AudioDecoder {
  readonly #native: NativeOpus;
  /** Samples per channel of the last good packet, so concealment matches the stream's ptime. */
  #lastFrameSamples: number;
  static readonly #EMPTY = new Uint8Array(0);

  constructor(readonly sampleRate = 48000) {
    if (!OPUS_RATES.includes(sampleRate)) throw new RangeError(`Opus cannot decode at ${sampleRate} Hz`);
    const Native = loadNative();
    this.#native = new Native(sampleRate, 1);
    this.#lastFrameSamples = sampleRate / 50;
  }

  decode(payload: Uint8Array): Int16Array {
    const samples = toSamples(this.#native.decode(asBuffer(payload)));
    this.#lastFrameSamples = samples.length;
    return samples;
  }

  /** libopus packet loss concealment; the addon always conceals its maximum, we keep what we need. */
  conceal(samples: number = this.#lastFrameSamples): Int16Array {
    const all = toSamples(this.#native.decode(asBuffer(OpusDecoder.#EMPTY)));
    return all.length >= samples ? all.subarray(0, samples).slice() : new Int16Array(samples);
  }
}

/** libopus request codes (opus_defines.h) the encoder options map to. */
const OPUS_SET_MAX_BANDWIDTH = 4004;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SIGNAL_VOICE = 3001;
const BANDWIDTHS = { narrowband: 1101, wideband: 1103, fullband: 1105 } as const;

/** How the encoder should spend its bits. */
export interface OpusEncoderOptions {
  /** 1 (default) or 2, interleaved. */
  channels?: 1 | 2;
  /** Target bitrate in bit/s (libopus picks one from the rate and channels otherwise). */
  bitrate?: number;
  /** Tell libopus the signal is speech, so it favours SILK, as voice calls do. */
  voice?: boolean;
  /** Highest audio bandwidth to code: wideband (8 kHz of audio) is what calls need. */
  maxBandwidth?: keyof typeof BANDWIDTHS;
  /** libopus's effort, 0 to 10 (its default 10). */
  complexity?: number;
}

/** The profile of a voice call leg: 24 kbit/s wideband speech (what WebRTC voice and SIP Opus trunks typically carry). */
export const VOICE_CALL_OPUS: OpusEncoderOptions = { bitrate: 24000, voice: true, maxBandwidth: "wideband" };

/** libopus encoder from PCM, mono or interleaved stereo. */
export class OpusEncoder implements AudioEncoder {
  readonly #native: NativeOpus;
  readonly profile: string;
  constructor(readonly sampleRate = 48000, options: OpusEncoderOptions = {}) {
    if (!OPUS_RATES.includes(sampleRate)) throw new RangeError(`Opus cannot encode at ${sampleRate} Hz`);
    const Native = loadNative();
    this.#native = new Native(sampleRate, options.channels ?? 1);
    if (options.bitrate !== undefined) this.#native.setBitrate(options.bitrate);
    if (options.voice) this.#native.applyEncoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    if (options.maxBandwidth) this.#native.applyEncoderCTL(OPUS_SET_MAX_BANDWIDTH, BANDWIDTHS[options.maxBandwidth]);
    if (options.complexity !== undefined) this.#native.applyEncoderCTL(OPUS_SET_COMPLEXITY, options.complexity);
    this.profile = `opus/${sampleRate}/${JSON.stringify({ channels: 1, ...options })}`;
  }

  encode(samples: Int16Array): Uint8Array {
    return this.#native.encode(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  }
}

/** True when the Opus addon is built and loadable on this runtime. */
export function opusAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}
