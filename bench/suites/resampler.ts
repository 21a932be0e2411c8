import { createResampler } from "../../media/resampler.ts";
import { speechLike } from "../speech-like.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** Streams 20 ms frames of speech-like audio at `fromRate` through one resampler to `toRate`. */
function resampleCase(fromRate: number, toRate: number): BenchCase {
  const resampler = createResampler(fromRate, toRate);
  const speech = speechLike(fromRate, 1);
  const frameSamples = fromRate / 50;
  const frames: Int16Array[] = [];
  for (let at = 0; at + frameSamples <= speech.length; at += frameSamples) frames.push(speech.subarray(at, at + frameSamples));
  let next = 0;
  return {
    name: `resample.${fromRate / 1000}k-${toRate / 1000}k`,
    batch: 8,
    run: () => resampler.process(frames[next++ % frames.length]!).length,
  };
}

/** The two conversions calls need most: narrowband telephony and Opus up to the 16 kHz of speech models. */
export function resamplerSuite(): BenchSuite {
  return { name: "resampler", cases: [resampleCase(8000, 16000), resampleCase(48000, 16000)] };
}
