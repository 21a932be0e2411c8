// The emotion model's data, training and evaluation protocol (RAVDESS, speaker-independent):
// four classes (neutral and calm together, happy, sad, angry), four folds of four actors each
// (every actor is tested by a model that never heard them), on the recordings as they are and
// through a telephone channel. Used by train-emotion.ts and by eval.ts.
import { LinearClassifier, type LinearClassifierWeights } from "../../media/dsp/linear-classifier.ts";
import { EMOTION_FEATURE_NAMES, emotionFeatures } from "../../plugins/emotion/features.ts";
import { clipSpeechFrames, loadSet, telephoneChannel } from "./dataset.ts";
import { trainLogisticRegression } from "./logistic-regression.ts";
import { argmax, classRecalls, type Confusion, equalErrorRate, recallAtFalseAlarm, unweightedAccuracy } from "./metrics.ts";
import { markdownTable, percent } from "./table.ts";

/** The four classes, in the model's order. */
export const EMOTION_CLASSES = ["neutral", "happy", "sad", "angry"] as const;
const LABEL_TO_CLASS: Record<string, number> = { neutral: 0, calm: 0, happy: 1, sad: 2, angry: 3 };
/** Folds of the actor-wise cross-validation. */
export const EMOTION_FOLDS = 4;
/** The training settings (chosen on the cross-validation, then fixed). */
export const EMOTION_TRAINING = { l2: 0.1, iterations: 300 } as const;

/** One RAVDESS clip of the four classes, with its feature vectors. */
export interface EmotionSample {
  actor: number;
  label: number;
  /** Feature vector of the clip as recorded (16 kHz). */
  wideband: number[];
  /** Feature vector through the 8 kHz G.711 channel. */
  telephone: number[];
}

/** The fold an actor is tested in. */
export function emotionFold(actor: number): number {
  return (actor - 1) % EMOTION_FOLDS;
}

/** Loads the RAVDESS clips of the four classes with their features in both channels. */
export async function loadEmotionSamples(): Promise<EmotionSample[]> {
  const clips = await loadSet("emotion/ravdess", 16000, (row) => row.label in LABEL_TO_CLASS);
  return clips.map(({ row, pcm }) => ({
    actor: Number(row.speaker.replace(/\D/g, "")),
    label: LABEL_TO_CLASS[row.label]!,
    wideband: emotionFeatures(clipSpeechFrames(pcm)),
    telephone: emotionFeatures(clipSpeechFrames(telephoneChannel(pcm))),
  }));
}

/** Trains the classifier on `samples` (their wideband vectors). */
export function trainEmotion(samples: readonly EmotionSample[]): LinearClassifierWeights {
  return trainLogisticRegression(samples.map((s) => s.wideband), samples.map((s) => s.label), EMOTION_CLASSES, EMOTION_TRAINING);
}

/** The cross-validation's figures in one channel. */
export interface EmotionChannelFigures {
  unweightedAccuracy: number;
  recalls: number[];
  confusion: Confusion;
  angryEer: number;
  angryRecallAt10FalseAlarms: number;
}

/** Everything the model card and the regression test report. */
export interface EmotionFigures {
  clips: number;
  actors: number;
  wideband: EmotionChannelFigures;
  telephone: EmotionChannelFigures;
}

/** Scores every sample with the model of the fold that did not train on its actor. */
export function evaluateEmotion(samples: readonly EmotionSample[], folds: readonly LinearClassifierWeights[]): EmotionFigures {
  const models = folds.map((weights) => new LinearClassifier(weights));
  const channel = (key: "wideband" | "telephone"): EmotionChannelFigures => {
    const confusion: Confusion = EMOTION_CLASSES.map(() => EMOTION_CLASSES.map(() => 0));
    const angry: number[] = [];
    const rest: number[] = [];
    for (const sample of samples) {
      const p = models[emotionFold(sample.actor)]!.probabilities(sample[key]);
      confusion[sample.label]![argmax(p)]!++;
      (sample.label === 3 ? angry : rest).push(p[3]!);
    }
    return {
      unweightedAccuracy: unweightedAccuracy(confusion),
      recalls: classRecalls(confusion),
      confusion,
      angryEer: equalErrorRate(angry, rest).rate,
      angryRecallAt10FalseAlarms: recallAtFalseAlarm(angry, rest, 0.1),
    };
  };
  return { clips: samples.length, actors: new Set(samples.map((s) => s.actor)).size, wideband: channel("wideband"), telephone: channel("telephone") };
}

/** The trained fold models of the cross-validation. */
export function trainEmotionFolds(samples: readonly EmotionSample[]): LinearClassifierWeights[] {
  return Array.from({ length: EMOTION_FOLDS }, (_, fold) => trainEmotion(samples.filter((s) => emotionFold(s.actor) !== fold)));
}

/** The figures as Markdown tables. */
export function emotionTables(figures: EmotionFigures): string {
  const rows = (["wideband", "telephone"] as const).map((key) => {
    const f = figures[key];
    return [key === "wideband" ? "16 kHz" : "8 kHz G.711", percent(f.unweightedAccuracy), ...f.recalls.map(percent), percent(f.angryEer), percent(f.angryRecallAt10FalseAlarms)];
  });
  const summary = markdownTable(["channel", "4-class UA", "neutral", "happy", "sad", "angry", "angry-vs-rest EER", "angry recall @10% FA"], rows);
  const confusion = markdownTable(["true \\ predicted (16 kHz)", ...EMOTION_CLASSES], figures.wideband.confusion.map((row, k) => [EMOTION_CLASSES[k]!, ...row]));
  return `${summary}\n\n${confusion}`;
}

/** Input names, for the weight file. */
export const EMOTION_INPUTS = EMOTION_FEATURE_NAMES;
