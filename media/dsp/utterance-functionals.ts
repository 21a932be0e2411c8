// Fixed-length descriptions of an utterance from its feature frames, shared by the analytics
// models: statistics of a cepstral vector, and the prosody and voice quality (pitch, loudness,
// voicing, spectral shape, jitter, shimmer, speaking rate). Each function has a matching list
// of names, so model cards and debugging can say which number is which.
import { CEPSTRA, FEATURE_HOP_MS, type FeatureFrame } from "./features.ts";
import { deltaDeviation, mean, quantiles, slope, standardDeviation } from "./functionals.ts";
import { jitter, shimmer } from "./voice-quality.ts";

/** The cepstral vectors of a FeatureFrame. */
export type CepstralKey = "mfcc" | "narrowMfcc" | "lfcc" | "narrowLfcc" | "highLfcc";

/** Which statistics of a cepstral vector to take. */
export interface CepstralStatisticsOptions {
  /** First coefficient used (default 0). */
  from?: number;
  /** Also the deviation of each coefficient's frame-to-frame change (default true). */
  deltas?: boolean;
}

/** Mean and standard deviation (and delta deviation) of each coefficient of `key` over `frames` (zeros when there are none). */
export function cepstralStatistics(frames: readonly FeatureFrame[], key: CepstralKey, options: CepstralStatisticsOptions = {}): number[] {
  const out: number[] = [];
  const size = CEPSTRA[key];
  const values = new Float64Array(frames.length);
  for (let c = options.from ?? 0; c < size; c++) {
    for (let i = 0; i < frames.length; i++) values[i] = frames[i]![key][c]!;
    out.push(mean(values), standardDeviation(values));
    if (options.deltas ?? true) out.push(deltaDeviation(values));
  }
  return out;
}

/** Names of `cepstralStatistics(frames, key, options)`. */
export function cepstralStatisticsNames(key: CepstralKey, options: CepstralStatisticsOptions = {}): string[] {
  const names: string[] = [];
  for (let c = options.from ?? 0; c < CEPSTRA[key]; c++) {
    names.push(`${key}${c}.mean`, `${key}${c}.std`);
    if (options.deltas ?? true) names.push(`${key}${c}.delta_std`);
  }
  return names;
}

/** Names of `prosodicStatistics`, in order. */
export const PROSODIC_STATISTICS_NAMES: readonly string[] = [
  "pitch.mean_st", "pitch.std_st", "pitch.range_st", "pitch.median_st", "pitch.delta_std_st", "pitch.slope_st_per_s",
  "level.std_db", "level.range_db", "level.mean_below_peak_db", "level.slope_db_per_s",
  "voiced.share", "voiced.onsets_per_s", "clarity.mean", "clarity.std", "hnr.mean_db", "hnr.std_db",
  "centroid.mean_khz", "centroid.std_khz", "rolloff.mean_khz", "rolloff.std_khz",
  "flatness.mean", "flatness.std", "log_flux.mean", "log_flux.std", "jitter.rap", "shimmer.apq3",
];

// Several plugins describe the same utterance (the same frames array, from the shared segment
// stream): each array's prosody is computed once.
const prosodyCache = new WeakMap<readonly FeatureFrame[], readonly number[]>();

/**
 * Prosody and voice quality of an utterance. Pitch is in semitones re 100 Hz; levels are
 * relative to the utterance itself (no absolute level: call gain varies), and the spectral
 * measures stay within the telephone band, so the same numbers come from wideband and 8 kHz calls.
 * Computed once per frames array; the result must not be modified.
 */
export function prosodicStatistics(frames: readonly FeatureFrame[]): readonly number[] {
  let statistics = prosodyCache.get(frames);
  if (!statistics) {
    statistics = computeProsody(frames);
    prosodyCache.set(frames, statistics);
  }
  return statistics;
}

function computeProsody(frames: readonly FeatureFrame[]): number[] {
  const voiced = frames.filter((frame) => frame.f0 > 0);
  const semitones = voiced.map((frame) => 12 * Math.log2(frame.f0 / 100));
  const voicedTimes = voiced.map((frame) => frame.timestamp / 1000);
  const pitchSteps: number[] = [];
  let onsets = 0;
  for (let i = 1; i < frames.length; i++) {
    const [a, b] = [frames[i - 1]!, frames[i]!];
    if (a.f0 > 0 && b.f0 > 0) pitchSteps.push(12 * Math.log2(b.f0 / a.f0));
    if (a.f0 === 0 && b.f0 > 0) onsets++;
  }
  const levels = frames.map((frame) => frame.levelDb);
  const times = frames.map((frame) => frame.timestamp / 1000);
  const clarity = frames.map((frame) => frame.clarity);
  const hnr = voiced.map((frame) => {
    const c = Math.min(0.999, Math.max(0.001, frame.clarity));
    return 10 * Math.log10(c / (1 - c));
  });
  const seconds = Math.max(frames.length * FEATURE_HOP_MS, FEATURE_HOP_MS) / 1000;
  const [pitch10, pitch50, pitch90] = quantiles(semitones, [0.1, 0.5, 0.9]) as [number, number, number];
  const [level10, level90, level95] = quantiles(levels, [0.1, 0.9, 0.95]) as [number, number, number];
  return [
    mean(semitones), standardDeviation(semitones), pitch90 - pitch10, pitch50,
    standardDeviation(pitchSteps), slope(voicedTimes, semitones),
    standardDeviation(levels), level90 - level10, level95 - mean(levels), slope(times, levels),
    voiced.length / Math.max(1, frames.length), onsets / seconds, mean(clarity), standardDeviation(clarity), mean(hnr), standardDeviation(hnr),
    mean(frames.map((frame) => frame.centroid / 1000)), standardDeviation(frames.map((frame) => frame.centroid / 1000)),
    mean(frames.map((frame) => frame.rolloff / 1000)), standardDeviation(frames.map((frame) => frame.rolloff / 1000)),
    mean(frames.map((frame) => frame.flatness)), standardDeviation(frames.map((frame) => frame.flatness)),
    mean(frames.map((frame) => Math.log(frame.flux + 1e-6))), standardDeviation(frames.map((frame) => Math.log(frame.flux + 1e-6))),
    jitter(frames.map((frame) => (frame.f0 > 0 ? 1 / frame.f0 : 0))), shimmer(frames.map((frame) => (frame.f0 > 0 ? frame.amplitude : 0))),
  ];
}
