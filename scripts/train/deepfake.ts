// The synthetic-voice model's data, training and evaluation protocol. Leave-one-system-out:
// each family of synthesis systems (YourTTS, VITS, HiFi-GAN, MelGAN, WaveGlow, WaveNet,
// Glow-TTS) is left out of training in turn and scored by models that never saw it; the bona fide
// speech is split in two by speaker so it too is only ever scored by a model that did not train
// on that speaker. Figures per family, pooled, and per corpus (bona fide and spoof of the same
// corpus only: a model that learnt the corpus instead of the synthesis fails there), on the
// recordings as they are (wideband model) and through a telephone channel (telephone model,
// trained on its band-limited features of each clip both through the channel and as recorded).
// Both models also train on copies of every clip through random recording channels
// (random-channel.ts), so that no studio's colour or noise floor can stand for "real".
import { LinearClassifier, type LinearClassifierWeights } from "../../media/dsp/linear-classifier.ts";
import { createRng } from "../../media/signal-test-utils.ts";
import { type DeepfakeChannel, deepfakeFeatures } from "../../plugins/deepfake/features.ts";
import { clipSpeechFrames, type LabelRow, loadSet, opusChannel, telephoneChannel } from "./dataset.ts";
import { trainLogisticRegression } from "./logistic-regression.ts";
import { equalErrorRate } from "./metrics.ts";
import { randomChannel } from "./random-channel.ts";
import { markdownTable, percent } from "./table.ts";

/** Class order of the model. */
export const DEEPFAKE_CLASSES = ["bonafide", "spoof"] as const;
/**
 * The training settings per channel (L2 chosen among 0.03, 0.1, 0.3, 1 and 10 on the
 * leave-one-system-out cross-validation itself, then fixed: a mild optimism the figures carry).
 */
export const DEEPFAKE_TRAINING: Readonly<Record<Channel, { l2: number; iterations: number }>> = {
  wideband: { l2: 0.3, iterations: 300 },
  telephone: { l2: 1, iterations: 300 },
};
/** Bona fide speaker folds. */
export const BONAFIDE_FOLDS = 4;
/** Copies of each clip through random recording channels in training (chosen with the wideband L2 on the cross-validation). */
export const RANDOM_CHANNEL_COPIES = 2;

/** The two channels the model is trained and evaluated for. */
export type Channel = DeepfakeChannel;

/** One antispoof clip with its feature vectors. */
export interface DeepfakeSample {
  spoof: boolean;
  /** Synthesis family (spoof only). */
  family: string;
  corpus: string;
  /** Fold of a bona fide clip's speaker. */
  speakerFold: number;
  /** Wideband features of the clip as recorded. */
  wideband: number[];
  /** Telephone features of the clip through the telephone channel. */
  telephone: number[];
  /** Telephone features of the clip as recorded (band-limited features, so a second view of the same speech for training). */
  telephoneOfWideband: number[];
  /** Wideband features of the clip through an Opus voice-call codec (a WebRTC or Opus SIP leg). */
  opus: number[];
  /** Copies of the clip through random recording channels (training only; empty when loaded for evaluation): wideband features, and telephone features through the telephone channel. */
  randomChannels: Record<Channel, number[]>[];
}

/** The synthesis family of a system name of antispoof/labels.tsv. */
export function synthesisFamily(system: string): string {
  if (/^YourTTS/.test(system)) return "YourTTS";
  if (/VITS/.test(system)) return "VITS";
  if (/^MG/.test(system)) return "MelGAN";
  if (/^WN/.test(system)) return "WaveNet";
  if (/^GlowTTS\(\+|^GlowTTS-voice/.test(system)) return "Glow-TTS";
  if (/WaveGlow|^WG/.test(system)) return "WaveGlow";
  return "HiFi-GAN";
}

/** The corpus a clip's speech comes from, with the labels' spellings unified. */
export function corpusName(corpus: string): string {
  return corpus.replace(/^English_/, "").replace(/^Portuguese_MLS/, "MLS-PT").replace(/\(unseen speakers\)/, "").trim();
}

/** A stable number for a name (FNV-1a hash). */
function hashOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/**
 * Bona fide speech of corpora the antispoof set has no synthetic speech of: with the antispoof
 * set's real speech alone (three corpora), a corpus's recording channel could stand for "real"
 * and every other channel (a caller's line) look synthetic. LibriSpeech (the speakers set) and
 * RAVDESS (its neutral clips) add two more studios, microphones and speaking styles.
 */
export const EXTRA_BONAFIDE: readonly { set: string; corpus: string; use(row: LabelRow): boolean }[] = [
  { set: "speakers", corpus: "LibriSpeech", use: () => true },
  { set: "emotion/ravdess", corpus: "RAVDESS", use: (row) => row.label === "neutral" },
];

/** The data sets the model is trained and evaluated on. */
export const DEEPFAKE_SETS: readonly string[] = ["antispoof", ...EXTRA_BONAFIDE.map((extra) => extra.set)];

/** What to load beside the features every evaluation needs. */
export interface DeepfakeLoadOptions {
  /** Also the random-channel copies training uses (RANDOM_CHANNEL_COPIES per clip; default false). */
  forTraining?: boolean;
}

/**
 * One clip's features: as recorded (wideband and telephone-band), through a telephone line, through
 * Opus, and, for training, through random channels (seeded by the clip's file name, so the same on every run).
 */
function sampleOf(pcm: Int16Array, clip: Pick<DeepfakeSample, "spoof" | "family" | "corpus">, speaker: string, file: string, options: DeepfakeLoadOptions): DeepfakeSample {
  const recorded = clipSpeechFrames(pcm);
  const rng = createRng(hashOf(file));
  return {
    ...clip,
    speakerFold: hashOf(speaker) % BONAFIDE_FOLDS,
    wideband: deepfakeFeatures(recorded, "wideband"),
    telephone: deepfakeFeatures(clipSpeechFrames(telephoneChannel(pcm)), "telephone"),
    telephoneOfWideband: deepfakeFeatures(recorded, "telephone"),
    opus: deepfakeFeatures(clipSpeechFrames(opusChannel(pcm)), "wideband"),
    randomChannels: options.forTraining ? Array.from({ length: RANDOM_CHANNEL_COPIES }, () => randomChannelViews(randomChannel(pcm, rng))) : [],
  };
}

/** The features of a clip through a random channel: as it is, and through the telephone channel. */
function randomChannelViews(pcm: Int16Array): Record<Channel, number[]> {
  return { wideband: deepfakeFeatures(clipSpeechFrames(pcm), "wideband"), telephone: deepfakeFeatures(clipSpeechFrames(telephoneChannel(pcm)), "telephone") };
}

/** Loads the antispoof clips and the extra bona fide speech with their features (see `sampleOf`). */
export async function loadDeepfakeSamples(options: DeepfakeLoadOptions = {}): Promise<DeepfakeSample[]> {
  const antispoof = (await loadSet("antispoof")).map(({ row, pcm }) =>
    sampleOf(pcm, { spoof: row.label === "spoof", family: row.label === "spoof" ? synthesisFamily(row.system) : "", corpus: corpusName(row.corpus) }, row.speaker, `antispoof/${row.file}`, options));
  const extra = await Promise.all(EXTRA_BONAFIDE.map(async ({ set, corpus, use }) =>
    (await loadSet(set, 16000, use)).map(({ row, pcm }) => sampleOf(pcm, { spoof: false, family: "", corpus }, `${corpus}:${row.speaker}`, `${set}/${row.file}`, options))));
  return [...antispoof, ...extra.flat()];
}

/** Bona fide corpora with enough clips to be left out of training in turn and scored unseen. */
export function bonafideCorpora(samples: readonly DeepfakeSample[]): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) if (!sample.spoof) counts.set(sample.corpus, (counts.get(sample.corpus) ?? 0) + 1);
  return [...counts].filter(([, count]) => count >= MIN_UNSEEN_CORPUS_CLIPS).map(([corpus]) => corpus).sort();
}

/** Fewest bona fide clips of a corpus for its unseen-corpus false-alarm rate to be reported. */
const MIN_UNSEEN_CORPUS_CLIPS = 10;

/** The synthesis families present, in a stable order. */
export function families(samples: readonly DeepfakeSample[]): string[] {
  return [...new Set(samples.filter((s) => s.spoof).map((s) => s.family))].sort();
}

/**
 * Trains one channel's classifier on `samples`. The wideband model learns from each clip as
 * recorded, through Opus and through its random channels; the telephone model from each clip
 * through the telephone channel, as recorded, and through its random channels and then the
 * telephone channel. More examples, and no channel can become the cue.
 */
export function trainDeepfake(samples: readonly DeepfakeSample[], channel: Channel): LinearClassifierWeights {
  const views = (s: DeepfakeSample) => [...(channel === "wideband" ? [s.wideband, s.opus] : [s.telephone, s.telephoneOfWideband]), ...s.randomChannels.map((copy) => copy[channel])];
  return trainLogisticRegression(samples.flatMap(views), samples.flatMap((s) => views(s).map(() => (s.spoof ? 1 : 0))), DEEPFAKE_CLASSES, DEEPFAKE_TRAINING[channel]);
}

/** Fold models of one channel: each trained without some of the data, to score that data unseen. */
export interface DeepfakeFolds {
  /** `[family][bonafideFold]`: trained without that synthesis family and that bona fide speaker fold. */
  bySystem: Record<string, LinearClassifierWeights[]>;
  /** `[corpus]`: trained without any bona fide speech of that corpus (every synthetic clip kept). */
  byBonafideCorpus: Record<string, LinearClassifierWeights>;
}

/** Trains the held-out fold models of one channel. */
export function trainDeepfakeFolds(samples: readonly DeepfakeSample[], channel: Channel): DeepfakeFolds {
  const bySystem: DeepfakeFolds["bySystem"] = {};
  for (const family of families(samples)) {
    bySystem[family] = Array.from({ length: BONAFIDE_FOLDS }, (_, fold) =>
      trainDeepfake(samples.filter((s) => (s.spoof ? s.family !== family : s.speakerFold !== fold)), channel));
  }
  const byBonafideCorpus: DeepfakeFolds["byBonafideCorpus"] = {};
  for (const corpus of bonafideCorpora(samples)) byBonafideCorpus[corpus] = trainDeepfake(samples.filter((s) => s.spoof || s.corpus !== corpus), channel);
  return { bySystem, byBonafideCorpus };
}

/** Log-likelihood ratio spoof over bona fide, from a two-class classifier's scores. */
export function spoofLlr(classifier: LinearClassifier, features: ArrayLike<number>): number {
  const logits = classifier.logits(features);
  return logits[1]! - logits[0]!;
}

/** Held-out EER figures of one channel. */
export interface DeepfakeChannelFigures {
  pooledEer: number;
  /** Threshold on the spoof LLR at the pooled EER. */
  pooledThreshold: number;
  byFamily: Record<string, { spoofClips: number; eer: number }>;
  byCorpus: Record<string, { bonafideClips: number; spoofClips: number; eer: number }>;
  /**
   * Real speech of a corpus no bona fide clip of which was in training, as a caller's line is:
   * the share called synthetic at the pooled threshold (the plugin's default operating point).
   */
  unseenBonafide: Record<string, { clips: number; falseAlarmRate: number }>;
}

/** What one channel's deployed classifier makes of its own training clips (in that channel). */
export interface DeployedFingerprint {
  trainingEer: number;
  /** Mean spoof LLR of the bona fide and of the synthetic clips: they move with any change to the weights. */
  meanBonafideLlr: number;
  meanSpoofLlr: number;
}

/** Everything the model card and the regression test report. */
export interface DeepfakeFigures {
  bonafideClips: number;
  spoofClips: number;
  wideband: DeepfakeChannelFigures;
  telephone: DeepfakeChannelFigures;
  /** The wideband models on the clips through an Opus voice-call codec. */
  opus: DeepfakeChannelFigures;
  /** The deployed weights (weights.json, trained on every clip): a fingerprint that ties them to this data and code, not a quality figure. */
  deployed: Record<Channel, DeployedFingerprint>;
}

/** The deployed classifiers (as in weights.json). */
export type DeepfakeDeployedWeights = Record<Channel, { classifier: LinearClassifierWeights }>;

function fingerprint(samples: readonly DeepfakeSample[], weights: LinearClassifierWeights, channel: Channel): DeployedFingerprint {
  const classifier = new LinearClassifier(weights);
  const llrs = (spoof: boolean) => samples.filter((s) => s.spoof === spoof).map((s) => spoofLlr(classifier, s[channel]));
  const [bonafide, spoof] = [llrs(false), llrs(true)];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { trainingEer: equalErrorRate(spoof, bonafide).rate, meanBonafideLlr: mean(bonafide), meanSpoofLlr: mean(spoof) };
}

/** Scores each held-out family and bona fide fold with the models that never saw them, and fingerprints the deployed weights. */
export function evaluateDeepfake(samples: readonly DeepfakeSample[], folds: Record<Channel, DeepfakeFolds>, deployed: DeepfakeDeployedWeights): DeepfakeFigures {
  /**
   * The held-out figures of one channel's models, scoring the clips as `view` renders them; real
   * speech of unseen corpora is judged at this view's pooled equal-error point, the threshold the
   * plugin deploys for it (Opus calls have their own).
   */
  const channel = (key: Channel, view: "wideband" | "telephone" | "opus" = key): DeepfakeChannelFigures => {
    const trials: { family: string; spoof: boolean; corpus: string; score: number }[] = [];
    for (const [family, models] of Object.entries(folds[key].bySystem)) {
      models.forEach((weights, fold) => {
        const classifier = new LinearClassifier(weights);
        for (const sample of samples) {
          const heldOut = sample.spoof ? sample.family === family : sample.speakerFold === fold;
          if (heldOut) trials.push({ family, spoof: sample.spoof, corpus: sample.corpus, score: spoofLlr(classifier, sample[view]) });
        }
      });
    }
    const eerOf = (selected: typeof trials) => equalErrorRate(selected.filter((t) => t.spoof).map((t) => t.score), selected.filter((t) => !t.spoof).map((t) => t.score));
    const pooled = eerOf(trials);
    const byFamily: DeepfakeChannelFigures["byFamily"] = {};
    for (const family of Object.keys(folds[key].bySystem)) {
      const selected = trials.filter((t) => t.family === family);
      byFamily[family] = { spoofClips: samples.filter((s) => s.spoof && s.family === family).length, eer: eerOf(selected).rate };
    }
    const byCorpus: DeepfakeChannelFigures["byCorpus"] = {};
    for (const corpus of [...new Set(samples.map((s) => s.corpus))].sort()) {
      const selected = trials.filter((t) => t.corpus === corpus);
      const bonafideClips = samples.filter((s) => !s.spoof && s.corpus === corpus).length;
      const spoofClips = samples.filter((s) => s.spoof && s.corpus === corpus).length;
      if (bonafideClips > 0 && spoofClips > 0) byCorpus[corpus] = { bonafideClips, spoofClips, eer: eerOf(selected).rate };
    }
    const unseenBonafide: DeepfakeChannelFigures["unseenBonafide"] = {};
    for (const [corpus, weights] of Object.entries(folds[key].byBonafideCorpus)) {
      const classifier = new LinearClassifier(weights);
      const scores = samples.filter((s) => !s.spoof && s.corpus === corpus).map((s) => spoofLlr(classifier, s[view]));
      // As the plugin decides: synthetic at or above the threshold.
      unseenBonafide[corpus] = { clips: scores.length, falseAlarmRate: scores.filter((score) => score >= pooled.threshold).length / scores.length };
    }
    return { pooledEer: pooled.rate, pooledThreshold: pooled.threshold, byFamily, byCorpus, unseenBonafide };
  };
  return {
    bonafideClips: samples.filter((s) => !s.spoof).length,
    spoofClips: samples.filter((s) => s.spoof).length,
    wideband: channel("wideband"),
    telephone: channel("telephone"),
    opus: channel("wideband", "opus"),
    deployed: { wideband: fingerprint(samples, deployed.wideband.classifier, "wideband"), telephone: fingerprint(samples, deployed.telephone.classifier, "telephone") },
  };
}

/** The columns of the tables: the clips as recorded, through Opus, and through a telephone line. */
const CHANNEL_VIEWS = ["wideband", "opus", "telephone"] as const;

/** The figures as Markdown tables. */
export function deepfakeTables(figures: DeepfakeFigures): string {
  const familyNames = Object.keys(figures.wideband.byFamily);
  const byFamily = markdownTable(
    ["held-out system family", "spoof clips", "EER 16 kHz", "EER Opus 24 kb/s", "EER 8 kHz G.711"],
    [
      ...familyNames.map((family) => [family, figures.wideband.byFamily[family]!.spoofClips, ...CHANNEL_VIEWS.map((view) => percent(figures[view].byFamily[family]?.eer ?? Number.NaN))]),
      ["pooled (every family unseen)", figures.spoofClips, ...CHANNEL_VIEWS.map((view) => percent(figures[view].pooledEer))],
    ],
  );
  const byCorpus = markdownTable(
    ["corpus (bona fide vs spoof of it only)", "bona fide", "spoof", "EER 16 kHz", "EER Opus 24 kb/s", "EER 8 kHz G.711"],
    Object.entries(figures.wideband.byCorpus).map(([corpus, f]) => [corpus, f.bonafideClips, f.spoofClips, ...CHANNEL_VIEWS.map((view) => percent(figures[view].byCorpus[corpus]?.eer ?? Number.NaN))]),
  );
  const unseen = markdownTable(
    ["real speech of a corpus unseen in training", "clips", "called synthetic, 16 kHz", "Opus 24 kb/s", "8 kHz G.711"],
    Object.entries(figures.wideband.unseenBonafide).map(([corpus, f]) => [corpus, f.clips, ...CHANNEL_VIEWS.map((view) => percent(figures[view].unseenBonafide[corpus]?.falseAlarmRate ?? Number.NaN))]),
  );
  const deployed = `Deployed weights on their own training clips (a fingerprint of weights.json, not a quality figure): EER ${percent(figures.deployed.wideband.trainingEer)} wideband, ${percent(figures.deployed.telephone.trainingEer)} telephone.`;
  return `${byFamily}\n\n${byCorpus}\n\n${unseen}\n\n${deployed}`;
}
