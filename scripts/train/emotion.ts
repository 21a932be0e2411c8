// The emotion model's data, training and evaluation protocol (RAVDESS, speaker-independent):
// four reported classes (neutral and calm together, happy, sad, angry), trained alongside
// RAVDESS's other three emotions; four folds of four actors each (every actor is tested by a
// model that never heard them), on the recordings as they are and through a telephone channel.
// Two models: one on the utterance's features as they are, one on the features relative to the
// speaker's own baseline (the mean and spread of all their clips, unlabelled). Both also train
// on each clip played 15% slower and 15% faster (speed perturbation: pitch and formants move as
// another speaker's would), so that twelve training actors stand for more voices. Used by
// train-emotion.ts and by eval.ts.
import { LinearClassifier, type LinearClassifierWeights } from "../../media/dsp/linear-classifier.ts";
import { resampleClip } from "../../media/dsp/telephone-channel.ts";
import { createRng } from "../../media/signal-test-utils.ts";
import { emotionFeatures } from "../../plugins/emotion/features.ts";
import { EMOTION_CLASSES, EMOTION_TRAINING_CLASSES, fourClasses } from "../../plugins/emotion/model.ts";
import { SpeakerBaseline } from "../../plugins/emotion/speaker-baseline.ts";
import { clipSpeechFrames, loadSet, telephoneChannel } from "./dataset.ts";
import { trainLogisticRegression } from "./logistic-regression.ts";
import { argmax, classRecalls, type Confusion, equalErrorRate, recallAtFalseAlarm, unweightedAccuracy } from "./metrics.ts";
import { markdownTable, percent } from "./table.ts";

const LABEL_TO_CLASS: Record<string, number> = { neutral: 0, calm: 0, happy: 1, sad: 2, angry: 3, fearful: 4, disgust: 5, surprised: 6 };
/** Folds of the actor-wise cross-validation. */
export const EMOTION_FOLDS = 4;
/** The training settings (L2 chosen among 0.01, 0.03, 0.1 and 1 on the cross-validation itself, then fixed). */
export const EMOTION_TRAINING = { l2: 0.03, iterations: 300 } as const;
/**
 * Rates the training copies of each clip are resampled to and then heard at 16 kHz: 15% slower
 * (18.4 kHz) and 15% faster (13.6 kHz). Chosen on the cross-validation among 10, 15, 20 and 25%,
 * 5 with 10% and 10 with 15% (four copies): 64.1% to 66.9% UA, flat from 10% on.
 */
export const SPEED_PERTURBATION_RATES = [18400, 13600] as const;
/** The two models: on the features as they are, and relative to the speaker's baseline. */
export type EmotionVariant = "plain" | "speakerNormalised";

/** One RAVDESS clip with its feature vectors. */
export interface EmotionSample {
  actor: number;
  /** Index in EMOTION_TRAINING_CLASSES (0 to 3 are the reported classes). */
  label: number;
  /** Feature vector of the clip as recorded (16 kHz). */
  wideband: number[];
  /** Feature vector through the 8 kHz G.711 channel. */
  telephone: number[];
  /** Feature vectors of the clip at SPEED_PERTURBATION_RATES (training only; empty when loaded for evaluation). */
  perturbed: number[][];
}

/** The fold an actor is tested in. */
export function emotionFold(actor: number): number {
  return (actor - 1) % EMOTION_FOLDS;
}

/** Loads every RAVDESS clip with its features in both channels, and with `forTraining` its speed-perturbed copies. */
export async function loadEmotionSamples(options: { forTraining?: boolean } = {}): Promise<EmotionSample[]> {
  const clips = await loadSet("emotion/ravdess", 16000, (row) => row.label in LABEL_TO_CLASS);
  return clips.map(({ row, pcm }) => ({
    actor: Number(row.speaker.replace(/\D/g, "")),
    label: LABEL_TO_CLASS[row.label]!,
    wideband: emotionFeatures(clipSpeechFrames(pcm)),
    telephone: emotionFeatures(clipSpeechFrames(telephoneChannel(pcm))),
    perturbed: options.forTraining ? SPEED_PERTURBATION_RATES.map((rate) => emotionFeatures(clipSpeechFrames(resampleClip(pcm, 16000, rate)))) : [],
  }));
}

/**
 * The samples with each vector replaced by its standard scores against its actor's baseline in
 * the same channel: the mean and spread over all that actor's clips, every emotion, no labels
 * used (what a call offers is the caller's own speech, also unlabelled).
 */
export function speakerNormalised(samples: readonly EmotionSample[]): EmotionSample[] {
  const baselines = new Map<string, SpeakerBaseline>();
  const baseline = (actor: number, channel: string) => {
    const key = `${actor}/${channel}`;
    if (!baselines.has(key)) baselines.set(key, new SpeakerBaseline());
    return baselines.get(key)!;
  };
  for (const s of samples) {
    baseline(s.actor, "wideband").add(s.wideband);
    baseline(s.actor, "telephone").add(s.telephone);
    s.perturbed.forEach((copy, i) => baseline(s.actor, `perturbed${i}`).add(copy));
  }
  // A perturbed copy is another voice, with a baseline of its own.
  return samples.map((s) => ({
    ...s,
    wideband: baseline(s.actor, "wideband").normalise(s.wideband),
    telephone: baseline(s.actor, "telephone").normalise(s.telephone),
    perturbed: s.perturbed.map((copy, i) => baseline(s.actor, `perturbed${i}`).normalise(copy)),
  }));
}

/** Trains the classifier on `samples` (their wideband vectors and perturbed copies; the features are narrowband, so one model serves both channels). */
export function trainEmotion(samples: readonly EmotionSample[]): LinearClassifierWeights {
  const views = (s: EmotionSample) => [s.wideband, ...s.perturbed];
  return trainLogisticRegression(samples.flatMap(views), samples.flatMap((s) => views(s).map(() => s.label)), EMOTION_TRAINING_CLASSES, EMOTION_TRAINING);
}

/** The cross-validation's figures in one channel. */
export interface EmotionChannelFigures {
  unweightedAccuracy: number;
  recalls: number[];
  confusion: Confusion;
  angryEer: number;
  angryRecallAt10FalseAlarms: number;
}

/** One model's figures in both channels. */
export interface EmotionVariantFigures {
  wideband: EmotionChannelFigures;
  telephone: EmotionChannelFigures;
}

/** Everything the model card and the regression test report. */
export interface EmotionFigures {
  /** Clips of the four reported classes (the ones scored). */
  clips: number;
  /** Clips used in training, all eight emotions. */
  trainingClips: number;
  actors: number;
  plain: EmotionVariantFigures;
  speakerNormalised: EmotionVariantFigures;
  /** The baseline model with a call-sized baseline instead of all the actor's clips (16 kHz). */
  baselineSizes: BaselineSizeFigures[];
  /**
   * The deployed weights (weights.json, trained on every actor) on their own training clips, 16 kHz:
   * not a measure of quality, a fingerprint that ties weights.json to this data and code.
   */
  deployed: { plain: DeployedFingerprint; speakerNormalised: DeployedFingerprint };
}

/** What the deployed weights make of their training clips (the four classes, 16 kHz). */
export interface DeployedFingerprint {
  unweightedAccuracy: number;
  /** Mean probability given to the true class: moves with any change to the weights. */
  meanTrueClassProbability: number;
}

/**
 * Unweighted accuracy of the baseline model (16 kHz) when each clip's baseline is the clip and
 * `utterances - 1` others of its actor, drawn at random (seeded) from all their clips (a call
 * whose mood varies), or from their clips of the same emotion (a caller whose mood never changes).
 */
export interface BaselineSizeFigures {
  utterances: number;
  mixedEmotions: number;
  oneEmotion: number;
}

/** Baseline sizes evaluated. */
const BASELINE_SIZES = [5, 10, 20];

/** The deployed classifiers (as in weights.json). */
export interface EmotionDeployedWeights {
  classifier: LinearClassifierWeights;
  speakerNormalised: LinearClassifierWeights;
}

/** The fold models of both variants. */
export type EmotionFolds = Record<EmotionVariant, LinearClassifierWeights[]>;

/** Scores every clip of the four classes with the model of the fold that did not train on its actor. */
function evaluateVariant(samples: readonly EmotionSample[], folds: readonly LinearClassifierWeights[]): EmotionVariantFigures {
  const models = folds.map((weights) => new LinearClassifier(weights));
  const channel = (key: "wideband" | "telephone"): EmotionChannelFigures => {
    const confusion: Confusion = EMOTION_CLASSES.map(() => EMOTION_CLASSES.map(() => 0));
    const angry: number[] = [];
    const rest: number[] = [];
    for (const sample of samples) {
      if (sample.label >= EMOTION_CLASSES.length) continue;
      const p = fourClasses(models[emotionFold(sample.actor)]!.probabilities(sample[key]));
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
  return { wideband: channel("wideband"), telephone: channel("telephone") };
}

/** What `weights` make of `samples` of the four classes (16 kHz). */
function fingerprint(samples: readonly EmotionSample[], weights: LinearClassifierWeights): DeployedFingerprint {
  const classifier = new LinearClassifier(weights);
  const confusion: Confusion = EMOTION_CLASSES.map(() => EMOTION_CLASSES.map(() => 0));
  let trueClass = 0;
  let scored = 0;
  for (const sample of samples) {
    if (sample.label >= EMOTION_CLASSES.length) continue;
    const p = fourClasses(classifier.probabilities(sample.wideband));
    confusion[sample.label]![argmax(p)]!++;
    trueClass += p[sample.label]!;
    scored++;
  }
  return { unweightedAccuracy: unweightedAccuracy(confusion), meanTrueClassProbability: trueClass / scored };
}

function baselineSizeFigures(samples: readonly EmotionSample[], folds: readonly LinearClassifierWeights[]): BaselineSizeFigures[] {
  const models = folds.map((weights) => new LinearClassifier(weights));
  const accuracy = (utterances: number, sameEmotion: boolean) => {
    const rng = createRng(utterances);
    const confusion: Confusion = EMOTION_CLASSES.map(() => EMOTION_CLASSES.map(() => 0));
    for (const sample of samples) {
      if (sample.label >= EMOTION_CLASSES.length) continue;
      const pool = samples.filter((other) => other.actor === sample.actor && other !== sample && (!sameEmotion || other.label === sample.label));
      const baseline = new SpeakerBaseline();
      for (let i = 1; i < utterances && pool.length > 0; i++) baseline.add(pool.splice(Math.floor(rng() * pool.length), 1)[0]!.wideband);
      baseline.add(sample.wideband);
      confusion[sample.label]![argmax(fourClasses(models[emotionFold(sample.actor)]!.probabilities(baseline.normalise(sample.wideband))))]!++;
    }
    return unweightedAccuracy(confusion);
  };
  return BASELINE_SIZES.map((utterances) => ({ utterances, mixedEmotions: accuracy(utterances, false), oneEmotion: accuracy(utterances, true) }));
}

/** The figures of both variants' fold models, and the deployed weights' fingerprint. */
export function evaluateEmotion(samples: readonly EmotionSample[], folds: EmotionFolds, deployed: EmotionDeployedWeights): EmotionFigures {
  const normalised = speakerNormalised(samples);
  return {
    clips: samples.filter((s) => s.label < EMOTION_CLASSES.length).length,
    trainingClips: samples.length,
    actors: new Set(samples.map((s) => s.actor)).size,
    plain: evaluateVariant(samples, folds.plain),
    speakerNormalised: evaluateVariant(normalised, folds.speakerNormalised),
    baselineSizes: baselineSizeFigures(samples, folds.speakerNormalised),
    deployed: { plain: fingerprint(samples, deployed.classifier), speakerNormalised: fingerprint(normalised, deployed.speakerNormalised) },
  };
}

/** The trained fold models of the cross-validation, both variants. */
export function trainEmotionFolds(samples: readonly EmotionSample[]): EmotionFolds {
  const folds = (set: readonly EmotionSample[]) => Array.from({ length: EMOTION_FOLDS }, (_, fold) => trainEmotion(set.filter((s) => emotionFold(s.actor) !== fold)));
  return { plain: folds(samples), speakerNormalised: folds(speakerNormalised(samples)) };
}

/** The figures as Markdown tables. */
export function emotionTables(figures: EmotionFigures): string {
  const rows = (["plain", "speakerNormalised"] as const).flatMap((variant) => (["wideband", "telephone"] as const).map((key) => {
    const f = figures[variant][key];
    const model = variant === "plain" ? "as heard" : "vs caller's baseline";
    return [model, key === "wideband" ? "16 kHz" : "8 kHz G.711", percent(f.unweightedAccuracy), ...f.recalls.map(percent), percent(f.angryEer), percent(f.angryRecallAt10FalseAlarms)];
  }));
  const summary = markdownTable(["features", "channel", "4-class UA", "neutral", "happy", "sad", "angry", "angry-vs-rest EER", "angry recall @10% FA"], rows);
  const confusion = markdownTable(["true \\ predicted (as heard, 16 kHz)", ...EMOTION_CLASSES], figures.plain.wideband.confusion.map((row, k) => [EMOTION_CLASSES[k]!, ...row]));
  const sizes = markdownTable(
    ["caller's baseline (16 kHz)", "4-class UA, mood varies", "4-class UA, one mood throughout"],
    [["all the actor's clips", percent(figures.speakerNormalised.wideband.unweightedAccuracy), "-"], ...figures.baselineSizes.map((f) => [`${f.utterances} utterances`, percent(f.mixedEmotions), percent(f.oneEmotion)])],
  );
  const deployed = `Deployed weights on their own training clips (a fingerprint of weights.json, not a quality figure): UA ${percent(figures.deployed.plain.unweightedAccuracy)} as heard, ${percent(figures.deployed.speakerNormalised.unweightedAccuracy)} vs baseline.`;
  return `${summary}\n\n${sizes}\n\n${confusion}\n\n${deployed}`;
}
