// The trained synthetic-voice classifiers (model/weights.json, written by
// `npm run train:deepfake`): one for wideband calls, one for telephone-band (8 kHz) calls.
import { readFileSync } from "node:fs";
import { type FeatureFrame, LinearClassifier, type LinearClassifierWeights } from "../../media/mod.ts";
import { DEEPFAKE_FEATURE_NAMES, type DeepfakeChannel, deepfakeFeatures } from "./features.ts";

export type { DeepfakeChannel } from "./features.ts";

/** One channel's classifier and its default operating point. */
export interface DeepfakeChannelWeights {
  /** Names of the classifier's inputs (DEEPFAKE_FEATURE_NAMES of the channel it was trained for). */
  inputs: string[];
  classifier: LinearClassifierWeights;
  /** LLR threshold at the leave-one-system-out equal error rate. */
  threshold: number;
  /** Thresholds for calls whose codec shifts the scores (Opus on wideband calls), at that codec's own equal error rate. */
  codecThresholds?: Record<string, number>;
}

/** The JSON weight file. */
export interface DeepfakeWeights {
  format: 2;
  wideband: DeepfakeChannelWeights;
  telephone: DeepfakeChannelWeights;
}

/** Reads the committed weights (or the file at `path`). */
export function loadDeepfakeWeights(path: string | URL = new URL("./model/weights.json", import.meta.url)): DeepfakeWeights {
  return JSON.parse(readFileSync(path, "utf8")) as DeepfakeWeights;
}

/** The channel whose model suits a codec of `sampleRate` Hz. */
export function channelFor(sampleRate: number): DeepfakeChannel {
  return sampleRate <= 8000 ? "telephone" : "wideband";
}

/** Both classifiers. */
export class DeepfakeModel {
  readonly #classifiers: Record<DeepfakeChannel, LinearClassifier>;
  readonly #weights: DeepfakeWeights;

  /** Loads `weights`; throws when they were trained for other features than this code computes. */
  constructor(weights: DeepfakeWeights = loadDeepfakeWeights()) {
    const matches = (channel: DeepfakeChannel) => weights[channel]?.inputs?.join() === DEEPFAKE_FEATURE_NAMES[channel].join();
    if (weights.format !== 2 || !matches("wideband") || !matches("telephone")) throw new Error("deepfake weights do not match this version's features; run npm run train:deepfake");
    this.#classifiers = { wideband: new LinearClassifier(weights.wideband.classifier), telephone: new LinearClassifier(weights.telephone.classifier) };
    this.#weights = weights;
  }

  /** The default verdict threshold of a call scored by `channel`'s model over `codec`. */
  threshold(channel: DeepfakeChannel, codec?: string): number {
    const weights = this.#weights[channel];
    return (codec !== undefined ? weights.codecThresholds?.[codec] : undefined) ?? weights.threshold;
  }

  /** Log-likelihood ratio synthetic over bona fide of one utterance's active frames. */
  llr(frames: readonly FeatureFrame[], channel: DeepfakeChannel): number {
    const logits = this.#classifiers[channel].logits(deepfakeFeatures(frames, channel));
    return logits[1]! - logits[0]!;
  }
}
