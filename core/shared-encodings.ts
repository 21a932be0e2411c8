// Encodings of frames that many calls send. A cached prompt (an AudioClip) plays the same frames
// to every caller; with Opus each 20 ms frame costs about ten decodes to encode, so a prompt that
// a thousand callers hear is encoded once per encoder profile instead of once per caller. Sending
// another encoder's packets is what every SFU does when it switches speakers: a decoder takes them.
import type { AudioEncoder } from "../media/codec.ts";

/** Each shared frame's encodings, by encoder profile. */
const encodings = new WeakMap<Int16Array, Map<string, Uint8Array>>();

/** Marks `samples` as sent unchanged to many calls, so `encodeFrame` encodes it once per encoder profile. */
export function shareFrame(samples: Int16Array): void {
  if (!encodings.has(samples)) encodings.set(samples, new Map());
}

/** `encoder.encode(samples)`, or the encoding of a shared frame that an encoder of the same profile made before. */
export function encodeFrame(encoder: AudioEncoder, samples: Int16Array): Uint8Array {
  const profile = encoder.profile;
  const known = profile === undefined ? undefined : encodings.get(samples);
  if (!known) return encoder.encode(samples);
  let payload = known.get(profile!);
  if (!payload) {
    payload = encoder.encode(samples);
    known.set(profile!, payload);
  }
  return payload;
}
