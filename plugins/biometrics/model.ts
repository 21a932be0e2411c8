// The trained voiceprint model (model/weights.json, written by `npm run train:biometrics`): a
// GMM universal background model. Enrollment accumulates statistics of a speaker's utterances;
// verification scores utterances against the means adapted from them.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { activeFrames, checkSpeech, DiagonalGmm, type GmmStatistics, GmmVerifier, type GmmWeights, type SpeechCheck, type FeatureFrame } from "../../media/mod.ts";
import { VOICEPRINT_DIMENSIONS, voiceprintFrames } from "./features.ts";

/** The JSON weight file. */
export interface BiometricsWeights {
  format: 1;
  features: string;
  relevance: number;
  top: number;
  /** Default verification threshold (mean frame LLR). */
  threshold: number;
  ubm: GmmWeights;
}

/** Reads the committed weights (or the file at `path`), with their fingerprint (voiceprints made with other weights do not match them). */
export function loadBiometricsWeights(path: string | URL = new URL("./model/weights.json", import.meta.url)): { weights: BiometricsWeights; fingerprint: string } {
  const text = readFileSync(path, "utf8");
  return { weights: JSON.parse(text) as BiometricsWeights, fingerprint: createHash("sha256").update(text).digest("hex").slice(0, 16) };
}

/** An utterance reduced to what the model needs. */
export interface VoiceUtterance {
  check: SpeechCheck;
  frames: Float64Array[];
}

/** The background model and the operations on voiceprints. */
export class VoiceprintModel {
  /** The weights it was made from (the analysis worker builds its own copy from them). */
  readonly weights: BiometricsWeights;
  readonly ubm: DiagonalGmm;
  readonly threshold: number;
  readonly #relevance: number;
  readonly #verifier: GmmVerifier;
  readonly #scratch: Float64Array;

  /** Loads `weights`; throws when they were trained for other features than this code computes. */
  constructor(weights: BiometricsWeights = loadBiometricsWeights().weights) {
    if (weights.ubm.means[0]?.length !== VOICEPRINT_DIMENSIONS) throw new Error("biometrics weights do not match this version's features; run npm run train:biometrics");
    this.weights = weights;
    this.ubm = new DiagonalGmm(weights.ubm);
    this.threshold = weights.threshold;
    this.#relevance = weights.relevance;
    this.#verifier = new GmmVerifier(this.ubm, weights.top);
    this.#scratch = new Float64Array(this.ubm.components);
  }

  /** The speech check and voiceprint frames of one utterance's feature frames. */
  utterance(frames: readonly FeatureFrame[], minVoicedMs: number): VoiceUtterance {
    const active = activeFrames(frames);
    const check = checkSpeech(active, { minVoicedMs });
    return { check, frames: check.sufficient ? voiceprintFrames(active) : [] };
  }

  /** Adds an utterance's frames to enrollment statistics. */
  enroll(utterance: VoiceUtterance, statistics: GmmStatistics): void {
    for (const frame of utterance.frames) this.ubm.accumulate(frame, statistics, this.#scratch);
  }

  /** The adapted means of a voiceprint's statistics. */
  speakerMeans(statistics: GmmStatistics): Float64Array {
    return this.ubm.adaptMeans(statistics, this.#relevance);
  }

  /** Sum of the per-frame log-likelihood ratios of an utterance against `speakerMeans`. */
  scoreSum(utterance: VoiceUtterance, speakerMeans: Float64Array): number {
    let sum = 0;
    for (const frame of utterance.frames) sum += this.#verifier.frameScore(frame, speakerMeans);
    return sum;
  }
}
