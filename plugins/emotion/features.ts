// What the emotion model reads of an utterance: narrowband MFCC statistics, prosody and voice
// quality, and the vowel-versus-consonant colour of the spectrum. All narrowband and relative to
// the utterance, so one model serves 8 kHz and wideband calls and any line gain. Shared by the
// plugin and the training script (scripts/train/emotion.ts), so both compute the same vector.
import { cepstralStatistics, cepstralStatisticsNames, type FeatureFrame, mean, percentile, PROSODIC_STATISTICS_NAMES, prosodicStatistics, standardDeviation } from "../../media/mod.ts";

const VOICING_CONTRAST_COEFFICIENTS = 8;

/** Names of the entries of `emotionFeatures`, in order. */
export const EMOTION_FEATURE_NAMES: readonly string[] = [
  ...cepstralStatisticsNames("narrowMfcc", { from: 1, deltas: false }),
  "narrowMfcc0.std", "narrowMfcc0.range",
  ...PROSODIC_STATISTICS_NAMES,
  ...Array.from({ length: VOICING_CONTRAST_COEFFICIENTS }, (_, c) => `narrowMfcc${c + 1}.voiced_minus_unvoiced`),
];

/** The emotion model's input vector for the active frames of one utterance. */
export function emotionFeatures(frames: readonly FeatureFrame[]): number[] {
  const c0 = frames.map((frame) => frame.narrowMfcc[0]!);
  const voiced = frames.filter((frame) => frame.f0 > 0);
  const unvoiced = frames.filter((frame) => frame.f0 === 0);
  const contrast = Array.from({ length: VOICING_CONTRAST_COEFFICIENTS }, (_, c) =>
    mean(voiced.map((frame) => frame.narrowMfcc[c + 1]!)) - mean(unvoiced.map((frame) => frame.narrowMfcc[c + 1]!)));
  return [
    ...cepstralStatistics(frames, "narrowMfcc", { from: 1, deltas: false }),
    standardDeviation(c0), percentile(c0, 0.9) - percentile(c0, 0.1),
    ...prosodicStatistics(frames),
    ...contrast,
  ];
}
