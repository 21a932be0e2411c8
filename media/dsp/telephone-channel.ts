// A telephone line simulated on a whole clip: 16 kHz down to 8 kHz, G.711 mu-law and back up to
// 16 kHz, through the same resampler a live call goes through. Training uses it to teach models
// what a phone call does to a voice; enrollment uses it so a voiceprint made from wideband audio
// also recognises the same voice over the phone.
import { decodeMulaw, encodeMulaw } from "../g711.ts";
import { createResampler } from "../resampler.ts";

/** Converts a whole clip between rates, compensating the resampler's delay so the output lines up with the input. */
export function resampleClip(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples;
  const resampler = createResampler(fromRate, toRate);
  const delay = Math.round((resampler.delayMs * toRate) / 1000);
  const padded = new Int16Array(samples.length + Math.ceil((resampler.delayMs * fromRate) / 1000) + 1);
  padded.set(samples);
  const out = resampler.process(padded);
  const length = Math.round((samples.length * toRate) / fromRate);
  return out.slice(delay, delay + length);
}

/** A 16 kHz clip as heard through a telephone: 8 kHz G.711 mu-law, back at 16 kHz. */
export function telephoneChannel(samples16k: Int16Array): Int16Array {
  return resampleClip(decodeMulaw(encodeMulaw(resampleClip(samples16k, 16000, 8000))), 8000, 16000);
}
