// What the voiceprint model reads of an utterance: per frame, MFCC c1..c19 with the utterance's
// mean removed (cepstral mean normalisation cancels the microphone and line) and their
// frame-to-frame deltas. Shared by the plugin and the training script (scripts/train/biometrics.ts).
import { CEPSTRA, type FeatureFrame } from "../../media/mod.ts";

/** Cepstral coefficients used (c1..c19). */
const COEFFICIENTS = CEPSTRA.mfcc - 1;
/** Dimensions of a voiceprint frame: coefficients and their deltas. */
export const VOICEPRINT_DIMENSIONS = 2 * COEFFICIENTS;

/** The voiceprint model's frames for the active frames of one utterance (empty for fewer than 3). */
export function voiceprintFrames(frames: readonly FeatureFrame[]): Float64Array[] {
  if (frames.length < 3) return [];
  const means = new Float64Array(COEFFICIENTS);
  for (const frame of frames) for (let c = 0; c < COEFFICIENTS; c++) means[c] = means[c]! + frame.mfcc[c + 1]! / frames.length;
  // One buffer for the utterance: a typed array of its own per frame costs more to allocate than to fill.
  const buffer = new Float64Array(frames.length * VOICEPRINT_DIMENSIONS);
  return frames.map((frame, i) => {
    const previous = frames[Math.max(0, i - 1)]!;
    const next = frames[Math.min(frames.length - 1, i + 1)]!;
    const out = buffer.subarray(i * VOICEPRINT_DIMENSIONS, (i + 1) * VOICEPRINT_DIMENSIONS);
    for (let c = 0; c < COEFFICIENTS; c++) {
      out[c] = frame.mfcc[c + 1]! - means[c]!;
      out[COEFFICIENTS + c] = (next.mfcc[c + 1]! - previous.mfcc[c + 1]!) / 2;
    }
    return out;
  });
}
