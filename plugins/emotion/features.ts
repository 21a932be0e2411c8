// What the emotion model reads of an utterance: narrowband MFCC statistics (with how fast each
// coefficient moves), prosody and voice quality, the shape of the pitch and loudness
// distributions, and the vowel-versus-consonant colour of the spectrum. All narrowband and
// relative to the utterance, so one model serves 8 kHz and wideband calls and any line gain.
// Shared by the plugin and the training script (scripts/train/emotion.ts), so both compute the
// same vector.
import { cepstralStatistics, cepstralStatisticsNames, type FeatureFrame, mean, percentile, PROSODIC_STATISTICS_NAMES, prosodicStatistics, quantiles, standardDeviation } from "../../media/mod.ts";

const VOICING_CONTRAST_COEFFICIENTS = 8;
const PITCH_QUANTILES = [0.05, 0.25, 0.75, 0.95];
const LEVEL_QUANTILES = [0.25, 0.5, 0.75];

/** Names of the entries of `emotionFeatures`, in order. */
export const EMOTION_FEATURE_NAMES: readonly string[] = [
  ...cepstralStatisticsNames("narrowMfcc", { from: 1 }),
  "narrowMfcc0.std", "narrowMfcc0.range",
  ...PROSODIC_STATISTICS_NAMES,
  ...Array.from({ length: VOICING_CONTRAST_COEFFICIENTS }, (_, c) => `narrowMfcc${c + 1}.voiced_minus_unvoiced`),
  ...PITCH_QUANTILES.map((q) => `pitch.q${q * 100}_st`),
  ...LEVEL_QUANTILES.map((q) => `level.q${q * 100}_below_peak_db`),
  "level.voiced_minus_mean_db", "zcr.mean", "zcr.std",
];

/** The emotion model's input vector for the active frames of one utterance. */
export function emotionFeatures(frames: readonly FeatureFrame[]): number[] {
  const c0 = frames.map((frame) => frame.narrowMfcc[0]!);
  const voiced = frames.filter((frame) => frame.f0 > 0);
  const unvoiced = frames.filter((frame) => frame.f0 === 0);
  const contrast = Array.from({ length: VOICING_CONTRAST_COEFFICIENTS }, (_, c) =>
    mean(voiced.map((frame) => frame.narrowMfcc[c + 1]!)) - mean(unvoiced.map((frame) => frame.narrowMfcc[c + 1]!)));
  const levels = frames.map((frame) => frame.levelDb);
  const peak = levels.length > 0 ? Math.max(...levels) : 0;
  const zcr = frames.map((frame) => frame.zcr);
  return [
    ...cepstralStatistics(frames, "narrowMfcc", { from: 1 }),
    standardDeviation(c0), percentile(c0, 0.9) - percentile(c0, 0.1),
    ...prosodicStatistics(frames),
    ...contrast,
    ...quantiles(voiced.map((frame) => 12 * Math.log2(frame.f0 / 100)), PITCH_QUANTILES),
    ...quantiles(levels, LEVEL_QUANTILES).map((level) => level - peak),
    mean(voiced.map((frame) => frame.levelDb)) - mean(levels), mean(zcr), standardDeviation(zcr),
  ];
}
