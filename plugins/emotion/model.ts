// The trained emotion classifiers (model/weights.json, written by `npm run train:emotion`): one on
// an utterance's features as they are, one on its features relative to the caller's baseline;
// and the mapping of class probabilities onto arousal and valence.
import { readFileSync } from "node:fs";
import { type FeatureFrame, LinearClassifier, type LinearClassifierWeights } from "../../media/mod.ts";
import type { EmotionScores } from "./events.ts";
import { EMOTION_FEATURE_NAMES, emotionFeatures } from "./features.ts";

/** The classes, in the model's order. */
export const EMOTION_CLASSES = ["neutral", "happy", "sad", "angry"] as const;
/** One of the classes. */
export type EmotionClass = (typeof EMOTION_CLASSES)[number];
/**
 * The classes the classifier is trained on: the four reported, then RAVDESS's other three
 * emotions, which teach it what the four are not (about +2 points of unweighted accuracy).
 * Their probability mass is dropped and the four renormalised.
 */
export const EMOTION_TRAINING_CLASSES = [...EMOTION_CLASSES, "fearful", "disgust", "surprised"] as const;

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
  format: 2;
  inputs: string[];
  /** On an utterance's features as they are. */
  classifier: LinearClassifierWeights;
  /** On an utterance's features as standard scores against the caller's baseline (SpeakerBaseline). */
  speakerNormalised: LinearClassifierWeights;
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

/** The emotion classifiers over utterance features. */
export class EmotionModel {
  readonly #plain: LinearClassifier;
  readonly #speakerNormalised: LinearClassifier;

  /** Loads `weights`; throws when they were trained for other features than this code computes. */
  constructor(weights: EmotionWeights = loadEmotionWeights()) {
    const classes = EMOTION_TRAINING_CLASSES.join();
    if (weights.format !== 2 || weights.inputs.join() !== EMOTION_FEATURE_NAMES.join() || weights.classifier.classes.join() !== classes || weights.speakerNormalised?.classes.join() !== classes) {
      throw new Error("emotion weights do not match this version's features; run npm run train:emotion");
    }
    this.#plain = new LinearClassifier(weights.classifier);
    this.#speakerNormalised = new LinearClassifier(weights.speakerNormalised);
  }

  /** Probabilities of the four classes (EMOTION_CLASSES order, summing to 1) for the active frames of one utterance. */
  probabilities(frames: readonly FeatureFrame[]): Float64Array {
    return this.probabilitiesOf(emotionFeatures(frames));
  }

  /** The same from an utterance's feature vector (emotionFeatures). */
  probabilitiesOf(features: readonly number[]): Float64Array {
    return fourClasses(this.#plain.probabilities(features));
  }

  /** The same from an utterance's feature vector as standard scores against the caller's baseline (SpeakerBaseline.normalise). */
  normalisedProbabilitiesOf(standardScores: readonly number[]): Float64Array {
    return fourClasses(this.#speakerNormalised.probabilities(standardScores));
  }
}

/** The four reported classes' share of training-class probabilities (EMOTION_TRAINING_CLASSES order), summing to 1. */
export function fourClasses(probabilities: ArrayLike<number>): Float64Array {
  const four = Float64Array.from({ length: EMOTION_CLASSES.length }, (_, k) => probabilities[k]!);
  const sum = four.reduce((a, b) => a + b, 0);
  return sum > 0 ? four.map((p) => p / sum) : four.fill(1 / four.length);
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
