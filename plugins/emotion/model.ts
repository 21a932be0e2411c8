// The trained emotion classifier (model/weights.json, written by `npm run train:emotion`) and
// the mapping of its class probabilities onto arousal and valence.
import { readFileSync } from "node:fs";
import { type FeatureFrame, LinearClassifier, type LinearClassifierWeights } from "../../media/mod.ts";
import type { EmotionScores } from "./events.ts";
import { EMOTION_FEATURE_NAMES, emotionFeatures } from "./features.ts";

/** The classes, in the model's order. */
export const EMOTION_CLASSES = ["neutral", "happy", "sad", "angry"] as const;
/** One of the classes. */
export type EmotionClass = (typeof EMOTION_CLASSES)[number];

/**
 * Where each class sits on Russell's circumplex (arousal, valence), from the usual placements of
 * these four emotions; an utterance's arousal and valence are the probability-weighted mean.
 */
const CIRCUMPLEX: Readonly<Record<EmotionClass, readonly [number, number]>> = {
  neutral: [0, 0],
  happy: [0.5, 0.8],
  sad: [-0.6, -0.6],
  angry: [0.8, -0.7],
};

/** The JSON weight file. */
export interface EmotionWeights {
  format: 1;
  inputs: string[];
  classifier: LinearClassifierWeights;
}

/** What the model says about some speech. */
export interface EmotionEstimate {
  label: EmotionClass;
  scores: EmotionScores;
  arousal: number;
  valence: number;
}

/** Reads the committed weights (or the file at `path`). */
export function loadEmotionWeights(path: string | URL = new URL("./model/weights.json", import.meta.url)): EmotionWeights {
  return JSON.parse(readFileSync(path, "utf8")) as EmotionWeights;
}

/** The emotion classifier over utterance features. */
export class EmotionModel {
  readonly #classifier: LinearClassifier;

  /** Loads `weights`; throws when they were trained for other features than this code computes. */
  constructor(weights: EmotionWeights = loadEmotionWeights()) {
    if (weights.inputs.join() !== EMOTION_FEATURE_NAMES.join() || weights.classifier.classes.join() !== EMOTION_CLASSES.join()) {
      throw new Error("emotion weights do not match this version's features; run npm run train:emotion");
    }
    this.#classifier = new LinearClassifier(weights.classifier);
  }

  /** Class probabilities of the active frames of one utterance. */
  probabilities(frames: readonly FeatureFrame[]): Float64Array {
    return this.#classifier.probabilities(emotionFeatures(frames));
  }
}

/** Label, named scores, arousal and valence from class probabilities (in EMOTION_CLASSES order). */
export function describe(probabilities: ArrayLike<number>): EmotionEstimate {
  let best = 0;
  let arousal = 0;
  let valence = 0;
  for (let k = 0; k < EMOTION_CLASSES.length; k++) {
    if (probabilities[k]! > probabilities[best]!) best = k;
    const [a, v] = CIRCUMPLEX[EMOTION_CLASSES[k]!];
    arousal += probabilities[k]! * a;
    valence += probabilities[k]! * v;
  }
  const [neutral, happy, sad, angry] = Array.from({ length: 4 }, (_, k) => round(probabilities[k]!));
  return { label: EMOTION_CLASSES[best]!, scores: { neutral: neutral!, happy: happy!, sad: sad!, angry: angry! }, arousal: round(arousal), valence: round(valence) };
}

/** Four decimals: enough for a score, and events stay short. */
export function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
