import type { AudioDecoder, AudioEncoder, CodecName } from "../media/codec.ts";
import { PcmaDecoder, PcmaEncoder, PcmuDecoder, PcmuEncoder } from "../media/g711.ts";
import { L16Decoder, L16Encoder } from "../media/l16.ts";
import { ParleyError } from "./errors.ts";
import { OPUS_RATES, OpusDecoder, OpusEncoder } from "./opus.ts";

/** Everything Parley knows about one codec, for negotiation, RTP timing and coding. */
export interface CodecSpec {
  readonly name: CodecName;
  /** RTP clock rate. */
  readonly clockRate: number;
  /** Channels as SDP announces them (Opus is always "/2" in SDP, whatever it carries). */
  readonly sdpChannels: number;
  /** Static payload type, or the dynamic one Parley offers. */
  readonly payloadType: number;
  /** The codec's own PCM rate: the rate of `session.audio$`. */
  readonly pcmRate: number;
  /** Rates the decoder can produce directly. */
  readonly decodableRates: readonly number[];
  /** Default fmtp Parley answers with. */
  readonly fmtp?: string;
  createDecoder(sampleRate: number): AudioDecoder;
  createEncoder(): AudioEncoder;
}

const opus: CodecSpec = {
  name: "opus",
  clockRate: 48000,
  sdpChannels: 2,
  payloadType: 111,
  pcmRate: 48000,
  decodableRates: OPUS_RATES,
  fmtp: "minptime=10;useinbandfec=1",
  createDecoder: (rate) => new OpusDecoder(rate),
  // Wideband speech at 32 kbit/s: clear voice for TTS and echo, far below Opus's music defaults.
  // Complexity 5, not libopus's 10: encoding a 20 ms frame of the voice bot's speech cost 270 us
  // at 10 and 137 us at 5 on the CI machine (a decode costs 10), and with a prompt playing to
  // every caller the encoder was the largest cost of a loaded server; WebRTC's mobile clients
  // speak at 5 for the same reason.
  createEncoder: () => new OpusEncoder(48000, { bitrate: 32000, voice: true, maxBandwidth: "wideband", complexity: 5 }),
};

const pcmu: CodecSpec = {
  name: "pcmu",
  clockRate: 8000,
  sdpChannels: 1,
  payloadType: 0,
  pcmRate: 8000,
  decodableRates: [8000],
  createDecoder: () => new PcmuDecoder(),
  createEncoder: () => new PcmuEncoder(),
};

const pcma: CodecSpec = { ...pcmu, name: "pcma", payloadType: 8, createDecoder: () => new PcmaDecoder(), createEncoder: () => new PcmaEncoder() };

/** L16 at a given rate (RFC 3551: network byte order). */
function l16(rate: number, payloadType: number): CodecSpec {
  return {
    name: "l16",
    clockRate: rate,
    sdpChannels: 1,
    payloadType,
    pcmRate: rate,
    decodableRates: [rate],
    createDecoder: () => new L16Decoder(rate),
    createEncoder: () => new L16Encoder(rate),
  };
}

/** The codecs one can request by name (JSON API), at their default rates. */
export const CODECS: Readonly<Record<CodecName, CodecSpec>> = { opus, pcmu, pcma, l16: l16(16000, 96) };

/** The codec spec for an SDP format, or undefined when Parley cannot handle it. */
export function codecForFormat(format: { name: string; clockRate: number; channels: number; payloadType: number; fmtp?: string }): CodecSpec | undefined {
  switch (format.name) {
    case "opus":
      return format.clockRate === 48000 ? { ...opus, payloadType: format.payloadType, fmtp: format.fmtp ?? opus.fmtp } : undefined;
    case "pcmu":
    case "pcma":
      return format.clockRate === 8000 && format.channels === 1 ? { ...CODECS[format.name], payloadType: format.payloadType } : undefined;
    case "l16":
      return format.channels === 1 && format.clockRate >= 8000 && format.clockRate <= 48000 ? l16(format.clockRate, format.payloadType) : undefined;
    default:
      return undefined;
  }
}

/** The codec spec for a name given in a JSON request; throws PARLEY_ERR_UNKNOWN_CODEC. */
export function codecByName(name: unknown): CodecSpec {
  const key = typeof name === "string" ? name.toLowerCase() : "";
  if (!Object.hasOwn(CODECS, key)) throw new ParleyError("PARLEY_ERR_UNKNOWN_CODEC", JSON.stringify(name));
  return CODECS[key as CodecName];
}
