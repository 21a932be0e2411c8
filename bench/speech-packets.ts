import { OpusEncoder, VOICE_CALL_OPUS } from "../core/opus.ts";
import { encodeMulaw } from "../media/g711.ts";
import { speechLike } from "./speech-like.ts";

/** Samples per 20 ms packet at `sampleRate`. */
function packetSamples(sampleRate: number): number {
  return sampleRate / 50;
}

/**
 * `seconds` of speech-like audio as 20 ms Opus packets of a voice call (24 kbit/s wideband SILK,
 * `VOICE_CALL_OPUS`), each copied out of the addon's buffer so they can be kept and replayed.
 */
export function speechOpusPackets(seconds: number, seed = 1): Uint8Array[] {
  return opusPackets(speechLike(48000, seconds, seed));
}

/** 48 kHz audio as 20 ms Opus packets of a voice call (`VOICE_CALL_OPUS`), copied out of the addon's buffer. */
export function opusPackets(pcm: Int16Array): Uint8Array[] {
  const encoder = new OpusEncoder(48000, VOICE_CALL_OPUS);
  const size = packetSamples(48000);
  const packets: Uint8Array[] = [];
  for (let at = 0; at + size <= pcm.length; at += size) packets.push(new Uint8Array(encoder.encode(pcm.subarray(at, at + size))));
  return packets;
}

/** `seconds` of digital silence as 20 ms Opus packets of a voice call (a caller who says nothing). */
export function silenceOpusPackets(seconds: number): Uint8Array[] {
  const encoder = new OpusEncoder(48000, VOICE_CALL_OPUS);
  const size = packetSamples(48000);
  const silence = new Int16Array(size);
  return Array.from({ length: seconds * 50 }, () => new Uint8Array(encoder.encode(silence)));
}

/** `seconds` of speech-like audio as 20 ms PCMU payloads (160 bytes each). */
export function speechPcmuPayloads(seconds: number, seed = 1): Uint8Array[] {
  const pcm = speechLike(8000, seconds, seed);
  const size = packetSamples(8000);
  const payloads: Uint8Array[] = [];
  for (let at = 0; at + size <= pcm.length; at += size) payloads.push(encodeMulaw(pcm.subarray(at, at + size)));
  return payloads;
}

/** Mean bitrate of 20 ms packets, in kbit/s. */
export function bitrateKbps(packets: readonly Uint8Array[]): number {
  const bytes = packets.reduce((sum, packet) => sum + packet.length, 0);
  return (bytes * 8 * 50) / packets.length / 1000;
}
