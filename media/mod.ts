// The public face of media/: pure audio and RTP code with no I/O, for Node, Deno and browsers.
export type { AudioFrame } from "./frame.ts";
export { frameDurationMs } from "./frame.ts";
export type { AudioDecoder, AudioEncoder, CodecName } from "./codec.ts";
export { MediaParseError } from "./errors.ts";
export * from "./rtp.ts";
export * from "./rtcp.ts";
export * from "./sequence.ts";
export * from "./dtmf.ts";
export * from "./jitter-buffer.ts";
export * from "./receive-stats.ts";
export * from "./g711.ts";
export * from "./l16.ts";
export * from "./fade-concealer.ts";
export * from "./resampler.ts";
export * from "./wav.ts";
export * from "./dsp/mod.ts";
