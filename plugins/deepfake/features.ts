// What the synthetic-voice models read of an utterance, per channel. Wideband: LFCC statistics
// to 8 kHz, of the telephone band and of the 4 to 8 kHz band on its own (linear bands keep the
// resolution of the high band, where vocoders leave most traces), and prosody (the too-regular
// pitch and voicing of synthesis); then a coarse modulation spectrum of the cepstral trajectories
// and the coupling of the high band to the low one (a vocoder makes the high band frame by frame
// from a mel spectrogram, and its changes over 40 to 160 ms and its tie to the low band's
// envelope differ from a vocal tract's).
// Telephone: only what survives an 8 kHz G.711 line, the narrowband LFCC (100 Hz to 3.4 kHz),
// its modulation spectrum and prosody; the full-band LFCC of a telephone call describes the
// line's noise floor, from which a model learns the corpus instead of the synthesis. Shared by
// the plugin and the training script (scripts/train/deepfake.ts).
import { type CepstralKey, cepstralStatistics, cepstralStatisticsNames, type FeatureFrame, PROSODIC_STATISTICS_NAMES, prosodicStatistics } from "../../media/mod.ts";

/** Which model serves a call: by the bandwidth of its codec. */
export type DeepfakeChannel = "wideband" | "telephone";

/** Lags of the modulation statistics, frames of 20 ms: changes over 40, 80 and 160 ms. */
const MODULATION_LAGS = [2, 4, 8] as const;
/** Coefficients of each cepstrum whose trajectories the modulation statistics describe (the spectral envelope's coarse shape). */
const MODULATION_COEFFICIENTS = 8;

function modulationNames(key: CepstralKey): string[] {
  return Array.from({ length: MODULATION_COEFFICIENTS }, (_, c) => MODULATION_LAGS.map((lag) => `${key}${c}.mod_lag${lag}`)).flat();
}

/**
 * For the first coefficients of `key`: the share of each trajectory's variance in its changes
 * over each lag (the structure function over twice the variance, 0 for a still trajectory, 1 for
 * white noise): a modulation spectrum in three bands that costs a pass over the frames.
 */
function modulationStatistics(frames: readonly FeatureFrame[], key: CepstralKey): number[] {
  const out: number[] = [];
  const values = new Float64Array(frames.length);
  for (let c = 0; c < MODULATION_COEFFICIENTS; c++) {
    let sum = 0;
    for (let i = 0; i < frames.length; i++) sum += values[i] = frames[i]![key][c]!;
    const mean = sum / Math.max(1, frames.length);
    let variance = 0;
    for (const value of values) variance += (value - mean) ** 2;
    variance /= Math.max(1, frames.length);
    for (const lag of MODULATION_LAGS) {
      let change = 0;
      for (let i = lag; i < frames.length; i++) change += (values[i]! - values[i - lag]!) ** 2;
      out.push(frames.length > lag && variance > 0 ? change / (frames.length - lag) / (2 * variance) : 0);
    }
  }
  return out;
}

const BAND_COUPLING_NAMES = ["band_coupling.level", "band_coupling.delta"];

/** Correlation of the 4 to 8 kHz band's level (highLfcc c0) with the telephone band's (narrowLfcc c0), and of their frame-to-frame changes. */
function bandCoupling(frames: readonly FeatureFrame[]): number[] {
  const high = frames.map((frame) => frame.highLfcc[0]!);
  const low = frames.map((frame) => frame.narrowLfcc[0]!);
  const differences = (values: number[]) => values.slice(1).map((value, i) => value - values[i]!);
  return [correlation(high, low), correlation(differences(high), differences(low))];
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  if (n < 2) return 0;
  const meanA = a.reduce((sum, v) => sum + v, 0) / n;
  const meanB = b.reduce((sum, v) => sum + v, 0) / n;
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - meanA) * (b[i]! - meanB);
    aa += (a[i]! - meanA) ** 2;
    bb += (b[i]! - meanB) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Names of the entries of `deepfakeFeatures(frames, channel)`, in order, per channel. */
export const DEEPFAKE_FEATURE_NAMES: Readonly<Record<DeepfakeChannel, readonly string[]>> = {
  wideband: [
    ...cepstralStatisticsNames("lfcc"), ...cepstralStatisticsNames("highLfcc"), ...cepstralStatisticsNames("narrowLfcc"), ...PROSODIC_STATISTICS_NAMES,
    ...modulationNames("highLfcc"), ...modulationNames("narrowLfcc"), ...BAND_COUPLING_NAMES,
  ],
  telephone: [...cepstralStatisticsNames("narrowLfcc"), ...PROSODIC_STATISTICS_NAMES, ...modulationNames("narrowLfcc")],
};

/** The `channel` model's input vector for the active frames of one utterance. */
export function deepfakeFeatures(frames: readonly FeatureFrame[], channel: DeepfakeChannel): number[] {
  const narrowband = [...cepstralStatistics(frames, "narrowLfcc"), ...prosodicStatistics(frames)];
  if (channel === "telephone") return [...narrowband, ...modulationStatistics(frames, "narrowLfcc")];
  return [
    ...cepstralStatistics(frames, "lfcc"), ...cepstralStatistics(frames, "highLfcc"), ...narrowband,
    ...modulationStatistics(frames, "highLfcc"), ...modulationStatistics(frames, "narrowLfcc"), ...bandCoupling(frames),
  ];
}
