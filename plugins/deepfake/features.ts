// What the synthetic-voice model reads of an utterance: LFCC statistics (linear bands keep the
// resolution of the high band, where vocoders leave their traces), narrowband MFCC statistics
// and prosody (the too-regular pitch and voicing of synthesis). Shared by the plugin and the
// training script (scripts/train/deepfake.ts).
import { cepstralStatistics, cepstralStatisticsNames, type FeatureFrame, PROSODIC_STATISTICS_NAMES, prosodicStatistics } from "../../media/mod.ts";

/** Names of the entries of `deepfakeFeatures`, in order. */
export const DEEPFAKE_FEATURE_NAMES: readonly string[] = [
  ...cepstralStatisticsNames("lfcc"),
  ...cepstralStatisticsNames("narrowMfcc"),
  ...PROSODIC_STATISTICS_NAMES,
];

/** The synthetic-voice model's input vector for the active frames of one utterance. */
export function deepfakeFeatures(frames: readonly FeatureFrame[]): number[] {
  return [...cepstralStatistics(frames, "lfcc"), ...cepstralStatistics(frames, "narrowMfcc"), ...prosodicStatistics(frames)];
}
