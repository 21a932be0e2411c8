// The committed models (plugins/<name>/model/) run on the evaluation splits of the data: the
// figures `npm run eval` prints and the regression test compares with figures.json.
import type { GmmWeights } from "../../media/dsp/gmm.ts";
import { biometricsTables, evaluateBiometrics, loadBiometricsData } from "./biometrics.ts";
import { hasSet } from "./dataset.ts";
import { DEEPFAKE_SETS, type DeepfakeDeployedWeights, type DeepfakeFolds, deepfakeTables, evaluateDeepfake, loadDeepfakeSamples } from "./deepfake.ts";
import { type EmotionDeployedWeights, type EmotionFolds, emotionTables, evaluateEmotion, loadEmotionSamples } from "./emotion.ts";
import { readModelJson } from "./model-files.ts";

/** One model's figures now and as recorded when it was trained. */
export interface ModelEvaluation {
  name: string;
  /** Figures of the committed weights on the data, now. */
  figures: unknown;
  /** figures.json, written by the training script. */
  recorded: unknown;
  /** The figures as Markdown tables. */
  tables: string;
}

/** The data sets each model's evaluation needs. */
export const MODEL_DATA: Readonly<Record<string, readonly string[]>> = {
  emotion: ["emotion/ravdess"],
  deepfake: DEEPFAKE_SETS,
  biometrics: ["speakers", "digits"],
};

/** True when every set `name` needs is in the data folder. */
export function hasModelData(name: string): boolean {
  return MODEL_DATA[name]!.every(hasSet);
}

/** Evaluates the committed model `name` ("emotion", "deepfake" or "biometrics"). */
export async function evaluateCommittedModel(name: string): Promise<ModelEvaluation> {
  const recorded = readModelJson<unknown>(name, "figures.json");
  if (name === "emotion") {
    const { folds } = readModelJson<{ folds: EmotionFolds }>(name, "folds.json");
    const figures = evaluateEmotion(await loadEmotionSamples(), folds, readModelJson<EmotionDeployedWeights>(name, "weights.json"));
    return { name, figures, recorded, tables: emotionTables(figures) };
  }
  if (name === "deepfake") {
    const { folds } = readModelJson<{ folds: Record<"wideband" | "telephone", DeepfakeFolds> }>(name, "folds.json");
    const figures = evaluateDeepfake(await loadDeepfakeSamples(), folds, readModelJson<DeepfakeDeployedWeights>(name, "weights.json"));
    return { name, figures, recorded, tables: deepfakeTables(figures) };
  }
  if (name === "biometrics") {
    const { ubm } = readModelJson<{ ubm: GmmWeights }>(name, "weights.json");
    const figures = evaluateBiometrics(await loadBiometricsData(), ubm);
    return { name, figures, recorded, tables: biometricsTables(figures) };
  }
  throw new Error(`no model named ${name}`);
}

/**
 * Paths (a.b.c) where two figure trees differ: numbers by more than `tolerance` (absolute; rates
 * are 0..1), anything else by value. Thresholds (score units) get `tolerance` x 10.
 */
export function figureDifferences(recorded: unknown, actual: unknown, tolerance: number, path = ""): string[] {
  if (typeof recorded === "number" && typeof actual === "number") {
    const limit = /threshold/i.test(path) ? tolerance * 10 : tolerance;
    return Math.abs(recorded - actual) <= limit || (Number.isNaN(recorded) && Number.isNaN(actual)) ? [] : [`${path}: ${recorded} recorded, ${actual} now`];
  }
  if (recorded && actual && typeof recorded === "object" && typeof actual === "object") {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      figureDifferences((recorded as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], tolerance, path ? `${path}.${key}` : key));
  }
  return recorded === actual ? [] : [`${path}: ${JSON.stringify(recorded)} recorded, ${JSON.stringify(actual)} now`];
}
