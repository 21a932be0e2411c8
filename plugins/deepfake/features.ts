// What the synthetic-voice models read of an utterance, per channel. Wideband: LFCC statistics
// to 8 kHz, of the telephone band and of the 4 to 8 kHz band on its own (linear bands keep the
// resolution of the high band, where vocoders leave most traces), and prosody (the too-regular
// pitch and voicing of synthesis).
// Telephone: only what survives an 8 kHz G.711 line, the narrowband LFCC (100 Hz to 3.4 kHz) and
// prosody; the full-band LFCC of a telephone call describes the line's noise floor, from which a
// model learns the corpus instead of the synthesis. Shared by the plugin and the training script
// (scripts/train/deepfake.ts).
import { cepstralStatistics, cepstralStatisticsNames, type FeatureFrame, PROSODIC_STATISTICS_NAMES, prosodicStatistics } from "../../media/mod.ts";

/** Which model serves a call: by the bandwidth of its codec. */
export type DeepfakeChannel = "wideband" | "telephone";

/** Names of the entries of `deepfakeFeatures(frames, channel)`, in order, per channel. */
export const DEEPFAKE_FEATURE_NAMES: Readonly<Record<DeepfakeChannel, readonly string[]>> = {
  wideband: [...cepstralStatisticsNames("lfcc"), ...cepstralStatisticsNames("highLfcc"), ...cepstralStatisticsNames("narrowLfcc"), ...PROSODIC_STATISTICS_NAMES],
  telephone: [...cepstralStatisticsNames("narrowLfcc"), ...PROSODIC_STATISTICS_NAMES],
};

/** The `channel` model's input vector for the active frames of one utterance. */
export function deepfakeFeatures(frames: readonly FeatureFrame[], channel: DeepfakeChannel): number[] {
  const narrowband = [...cepstralStatistics(frames, "narrowLfcc"), ...prosodicStatistics(frames)];
  return channel === "wideband" ? [...cepstralStatistics(frames, "lfcc"), ...cepstralStatistics(frames, "highLfcc"), ...narrowband] : narrowband;
}
