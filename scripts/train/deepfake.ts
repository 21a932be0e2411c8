// The synthetic-voice model's data, training and evaluation protocol, built to measure what a
// deployment meets: voices, systems, corpora and lines the model never heard.
// - Leave one demo page out: every clip of a page (its systems, its real speech, its corpus and
//   its recording format together) is scored only by a model trained without that page. The
//   bona fide-only sources (LibriSpeech, RAVDESS) are pages too. Pooled EER over all pages, per
//   page EER, detection and false-alarm rates at the operating point.
// - Leave one system family out: each family (by the waveform generator: HiFi-GAN, WaveNet,
//   Griffin-Lim, codec language models, ...) is scored by models trained without it; the bona
//   fide speech is split by speaker so it too is only scored by a model that did not hear it.
// - Unseen corpus: the real speech of each corpus scored by a model trained without any clip of
//   that corpus, real or synthetic, at the operating point: a caller's line no training clip came
//   through.
// Each on the clips as recorded (16 kHz), through Opus (wideband model) and through an 8 kHz G.711
// line (telephone model). The operating point of each is the threshold at which OPERATING_FALSE_ALARM
// of the leave-one-page-out real speech is called synthetic.
import { LinearClassifier, type LinearClassifierWeights } from "../../media/dsp/linear-classifier.ts";
import { createRng } from "../../media/signal-test-utils.ts";
import { type DeepfakeChannel, deepfakeFeatures } from "../../plugins/deepfake/features.ts";
import type { FalseAlarmPoint } from "../../plugins/deepfake/model.ts";
import { clipSpeechFrames, type LabelRow, loadSet, telephoneChannel } from "./dataset.ts";
import { opusChannel } from "./opus-channel.ts";
import { trainLogisticRegression } from "./logistic-regression.ts";
import { equalErrorRate } from "./metrics.ts";
import { randomChannel } from "./random-channel.ts";
import { markdownTable, percent } from "./table.ts";

/** Class order of the model. */
export const DEEPFAKE_CLASSES = ["bonafide", "spoof"] as const;
/** The training settings per channel (L2 chosen on the previous leave-one-system-out protocol and kept). */
export const DEEPFAKE_TRAINING: Readonly<Record<Channel, { l2: number; iterations: number }>> = {
  wideband: { l2: 0.3, iterations: 300 },
  telephone: { l2: 1, iterations: 300 },
};
/** Bona fide speaker folds of the leave-one-family-out evaluation. */
export const BONAFIDE_FOLDS = 2;
/** Copies of each clip through random recording channels in training. */
export const RANDOM_CHANNEL_COPIES = 2;
/** Share of real speech the default operating point calls synthetic (on the leave-one-page-out scores). */
export const OPERATING_FALSE_ALARM = 0.01;
/**
 * A page the deployed weights never train on (its synthetic speech only; chosen before any figure
 * was seen), so that the end-to-end test can call in with a system the deployed model never heard.
 */
export const DEPLOYMENT_HOLDOUT_PAGE = "matcha_tts_demo";
/** False-alarm rates at which the thresholds are recorded for the plugin's `falseAlarmRate` option. */
export const FALSE_ALARM_CURVE = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5] as const;

/** The two channels the model is trained and evaluated for. */
export type Channel = DeepfakeChannel;
/** The renderings of a clip the evaluation scores: as recorded, through Opus, through a G.711 line. */
export type View = "wideband" | "opus" | "telephone";
/** The views, in table order. */
export const VIEWS: readonly View[] = ["wideband", "opus", "telephone"];

/** One clip with its feature vectors. */
export interface DeepfakeSample {
  spoof: boolean;
  /** Synthesis family (spoof only). */
  family: string;
  corpus: string;
  /** Demo page (or bona fide source) the clip comes from. */
  page: string;
  /** Fold of the clip's speaker. */
  speakerFold: number;
  /** Wideband features of the clip as recorded. */
  wideband: number[];
  /** Telephone features of the clip through the telephone channel. */
  telephone: number[];
  /** Telephone features of the clip as recorded (band-limited features, so a second view of the same speech for training). */
  telephoneOfWideband: number[];
  /** Wideband features of the clip through an Opus voice-call codec. */
  opus: number[];
  /** Copies through random recording channels (training only): wideband features, and telephone features through the telephone channel. */
  randomChannels: Record<Channel, number[]>[];
}

/** Synthesis families by the system names of both sets' labels, first match wins; the rest are HiFi-GAN vocoded. */
const FAMILIES: readonly [RegExp, string][] = [
  [/^YourTTS/, "YourTTS"],
  [/VALL-E/, "VALL-E (codec LM)"],
  [/StarGAN/, "StarGAN-VC"],
  [/FreeVC|SR-augmentation/, "FreeVC"],
  [/AdaIN-VC|AGAIN-VC|AutoVC|VQMIVC|BNE-PPG-VC/, "autoencoder VC"],
  [/LVC-VC|NVC-Net|Blow/, "waveform VC"],
  [/StyleTTS|NaturalSpeech|JETS/, "StyleTTS, NaturalSpeech, JETS"],
  [/Grad-TTS|Matcha|FastDiff/, "diffusion TTS"],
  [/GriffinLim/, "Griffin-Lim"],
  [/VITS|Mimic3/, "VITS"],
  [/WaveNet|^WN/, "WaveNet"],
  [/ParallelWaveGAN/, "ParallelWaveGAN"],
  [/MelGAN|^MG/, "MelGAN"],
  [/^GlowTTS\(\+|^GlowTTS-voice/, "Glow-TTS"],
  [/WaveGlow|^WG/, "WaveGlow"],
];

/** The synthesis family of a system name of the labels. */
export function synthesisFamily(system: string): string {
  return FAMILIES.find(([pattern]) => pattern.test(system))?.[1] ?? "HiFi-GAN";
}

/** The corpus a clip's speech comes from, with the labels' spellings unified. */
export function corpusName(corpus: string): string {
  const name = corpus.replace(/^English_/, "").replace(/^Portuguese_MLS/, "MLS-PT").replace(/-test-clean/, "").replace(/\s*\(.*\)\s*$/, "").trim();
  return name === "AISHELL/EMIME" ? "EMIME" : name;
}

/** A stable number for a name (FNV-1a hash). */
function hashOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/**
 * The sources: both anti-spoofing sets (page from the label's page or source), and bona fide speech
 * of two corpora nothing synthetic shares a channel with (LibriSpeech from the speakers set, RAVDESS
 * neutral clips), so that no studio can stand for "real"; each of those is a page of its own.
 */
export const DEEPFAKE_SOURCES: readonly { set: string; page(row: LabelRow): string; corpus(row: LabelRow): string; use(row: LabelRow): boolean }[] = [
  { set: "antispoof", page: (row) => row.source!.replace(/^github\.com\/[^/]+\/| \(.*$/g, ""), corpus: (row) => corpusName(row.corpus!), use: () => true },
  { set: "antispoof-wild", page: (row) => row.page!, corpus: (row) => corpusName(row.corpus!), use: () => true },
  { set: "speakers", page: () => "LibriSpeech (speakers set)", corpus: () => "LibriSpeech", use: () => true },
  { set: "emotion/ravdess", page: () => "RAVDESS", corpus: () => "RAVDESS", use: (row) => row.label === "neutral" },
];

/** The data sets the model is trained and evaluated on. */
export const DEEPFAKE_SETS: readonly string[] = DEEPFAKE_SOURCES.map((source) => source.set);

/** What to load beside the features every evaluation needs. */
export interface DeepfakeLoadOptions {
  /** Also the random-channel copies training uses (default false). */
  forTraining?: boolean;
}

/** One clip's features in every view (and, for training, through random channels seeded by its file name). */
function sampleOf(pcm: Int16Array, clip: Pick<DeepfakeSample, "spoof" | "family" | "corpus" | "page">, speaker: string, file: string, options: DeepfakeLoadOptions): DeepfakeSample {
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

function randomChannelViews(pcm: Int16Array): Record<Channel, number[]> {
  return { wideband: deepfakeFeatures(clipSpeechFrames(pcm), "wideband"), telephone: deepfakeFeatures(clipSpeechFrames(telephoneChannel(pcm)), "telephone") };
}

/** Loads every source's clips with their features (see `sampleOf`). */
export async function loadDeepfakeSamples(options: DeepfakeLoadOptions = {}): Promise<DeepfakeSample[]> {
  const sets = await Promise.all(DEEPFAKE_SOURCES.map(async (source) =>
    (await loadSet(source.set, 16000, source.use)).map(({ row, pcm }) => {
      const spoof = row.label === "spoof";
      const corpus = source.corpus(row);
      const clip = { spoof, family: spoof ? synthesisFamily(row.system!) : "", corpus, page: source.page(row) };
      return sampleOf(pcm, clip, `${corpus}:${row.speaker || row.file}`, `${source.set}/${row.file}`, options);
    })));
  return sets.flat();
}

/** Fewest real clips of a corpus for its unseen-corpus false-alarm rate to be reported. */
const MIN_UNSEEN_CORPUS_CLIPS = 8;

/** Corpora with enough real clips to be left out of training in turn and scored unseen. */
export function bonafideCorpora(samples: readonly DeepfakeSample[]): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) if (!sample.spoof) counts.set(sample.corpus, (counts.get(sample.corpus) ?? 0) + 1);
  return [...counts].filter(([, count]) => count >= MIN_UNSEEN_CORPUS_CLIPS).map(([corpus]) => corpus).sort();
}

/** The synthesis families present, in a stable order. */
export function families(samples: readonly DeepfakeSample[]): string[] {
  return [...new Set(samples.filter((s) => s.spoof).map((s) => s.family))].sort();
}

/** The pages present, in a stable order. */
export function pages(samples: readonly DeepfakeSample[]): string[] {
  return [...new Set(samples.map((s) => s.page))].sort();
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
  /** `[page]`: trained without any clip of that page. */
  byPage: Record<string, LinearClassifierWeights>;
  /** `[family][bonafideFold]`: trained without that synthesis family and that bona fide speaker fold. */
  byFamily: Record<string, LinearClassifierWeights[]>;
  /** `[corpus]`: trained without any clip, real or synthetic, of that corpus. */
  byCorpus: Record<string, LinearClassifierWeights>;
}

/** Trains the held-out fold models of one channel. */
export function trainDeepfakeFolds(samples: readonly DeepfakeSample[], channel: Channel): DeepfakeFolds {
  const byPage: DeepfakeFolds["byPage"] = {};
  for (const page of pages(samples)) byPage[page] = trainDeepfake(samples.filter((s) => s.page !== page), channel);
  const byFamily: DeepfakeFolds["byFamily"] = {};
  for (const family of families(samples)) {
    byFamily[family] = Array.from({ length: BONAFIDE_FOLDS }, (_, fold) =>
      trainDeepfake(samples.filter((s) => (s.spoof ? s.family !== family : s.speakerFold !== fold)), channel));
  }
  const byCorpus: DeepfakeFolds["byCorpus"] = {};
  for (const corpus of bonafideCorpora(samples)) byCorpus[corpus] = trainDeepfake(samples.filter((s) => s.corpus !== corpus), channel);
  return { byPage, byFamily, byCorpus };
}

/** Log-likelihood ratio spoof over bona fide, from a two-class classifier's scores. */
export function spoofLlr(classifier: LinearClassifier, features: ArrayLike<number>): number {
  const logits = classifier.logits(features);
  return logits[1]! - logits[0]!;
}

/** The threshold at which `falseAlarmRate` of `bonafide` scores (at most) are at or above it. */
export function thresholdAtFalseAlarm(bonafide: readonly number[], falseAlarmRate: number): number {
  const sorted = [...bonafide].sort((a, b) => b - a);
  const allowed = Math.floor(falseAlarmRate * sorted.length + 1e-9);
  if (allowed === 0) return sorted[0]! + 0.01;
  if (allowed >= sorted.length) return sorted.at(-1)!;
  return (sorted[allowed - 1]! + sorted[allowed]!) / 2;
}

/** Share of `scores` at or above `threshold` (the plugin's "synthetic" rule). */
function shareAtOrAbove(scores: readonly number[], threshold: number): number {
  return scores.length === 0 ? Number.NaN : scores.filter((score) => score >= threshold).length / scores.length;
}

/** Held-out figures of one view. */
export interface DeepfakeViewFigures {
  /** Leave-one-page-out EER over every page's held-out scores together, and its threshold. */
  pooledEer: number;
  eerThreshold: number;
  /** The default operating point: OPERATING_FALSE_ALARM of the leave-one-page-out real speech at or above it. */
  threshold: number;
  /** Thresholds at FALSE_ALARM_CURVE's rates, for a configured false-alarm rate. */
  falseAlarmCurve: FalseAlarmPoint[];
  /** Share of the held-out synthetic clips at or above `threshold`. */
  detectionRate: number;
  /** Per page, scored by the model trained without it; rates at `threshold` (each only where the page has the clips it needs). */
  byPage: Record<string, { bonafideClips: number; spoofClips: number; eer?: number; falseAlarmRate?: number; detectionRate?: number }>;
  /** Leave-one-family-out pooled EER and per family. */
  familyPooledEer: number;
  byFamily: Record<string, { spoofClips: number; eer: number }>;
  /** Real speech of each corpus scored by a model that saw no clip of it, share at or above `threshold`. */
  unseenCorpus: Record<string, { clips: number; falseAlarmRate: number }>;
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
  views: Record<View, DeepfakeViewFigures>;
  /** The deployed weights (weights.json, trained on every clip): a fingerprint that ties them to this data and code, not a quality figure. */
  deployed: Record<Channel, DeployedFingerprint>;
}

/** The deployed classifiers (as in weights.json). */
export type DeepfakeDeployedWeights = Record<Channel, { classifier: LinearClassifierWeights }>;

/** The model that scores a view. */
export function channelOf(view: View): Channel {
  return view === "telephone" ? "telephone" : "wideband";
}

function fingerprint(samples: readonly DeepfakeSample[], weights: LinearClassifierWeights, channel: Channel): DeployedFingerprint {
  const classifier = new LinearClassifier(weights);
  const llrs = (spoof: boolean) => samples.filter((s) => s.spoof === spoof).map((s) => spoofLlr(classifier, s[channel]));
  const [bonafide, spoof] = [llrs(false), llrs(true)];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { trainingEer: equalErrorRate(spoof, bonafide).rate, meanBonafideLlr: mean(bonafide), meanSpoofLlr: mean(spoof) };
}

/** Held-out scores of one view: each sample scored by the model of `folds` that left it out. */
interface Trial {
  sample: DeepfakeSample;
  score: number;
}

/** The held-out figures of one view (see DeepfakeViewFigures). */
export function evaluateView(samples: readonly DeepfakeSample[], folds: DeepfakeFolds, view: View): DeepfakeViewFigures {
  const score = (weights: LinearClassifierWeights, selected: readonly DeepfakeSample[]): Trial[] => {
    const classifier = new LinearClassifier(weights);
    return selected.map((sample) => ({ sample, score: spoofLlr(classifier, sample[view]) }));
  };
  const split = (trials: readonly Trial[]) => [trials.filter((t) => t.sample.spoof).map((t) => t.score), trials.filter((t) => !t.sample.spoof).map((t) => t.score)] as const;

  const pageTrials = Object.entries(folds.byPage).flatMap(([page, weights]) => score(weights, samples.filter((s) => s.page === page)));
  const [spoofScores, bonafideScores] = split(pageTrials);
  const pooled = equalErrorRate(spoofScores, bonafideScores);
  const threshold = thresholdAtFalseAlarm(bonafideScores, OPERATING_FALSE_ALARM);
  const byPage: DeepfakeViewFigures["byPage"] = {};
  for (const page of Object.keys(folds.byPage)) {
    const [spoof, bonafide] = split(pageTrials.filter((t) => t.sample.page === page));
    byPage[page] = {
      bonafideClips: bonafide.length,
      spoofClips: spoof.length,
      ...(bonafide.length > 0 && spoof.length > 0 ? { eer: equalErrorRate(spoof, bonafide).rate } : {}),
      ...(bonafide.length > 0 ? { falseAlarmRate: shareAtOrAbove(bonafide, threshold) } : {}),
      ...(spoof.length > 0 ? { detectionRate: shareAtOrAbove(spoof, threshold) } : {}),
    };
  }

  const familyTrials: (Trial & { family: string })[] = [];
  for (const [family, models] of Object.entries(folds.byFamily)) {
    models.forEach((weights, fold) => {
      const heldOut = samples.filter((s) => (s.spoof ? s.family === family : s.speakerFold === fold));
      familyTrials.push(...score(weights, heldOut).map((trial) => ({ ...trial, family })));
    });
  }
  const byFamily: DeepfakeViewFigures["byFamily"] = {};
  for (const family of Object.keys(folds.byFamily)) {
    const [spoof, bonafide] = split(familyTrials.filter((t) => t.family === family));
    byFamily[family] = { spoofClips: samples.filter((s) => s.spoof && s.family === family).length, eer: equalErrorRate(spoof, bonafide).rate };
  }

  const unseenCorpus: DeepfakeViewFigures["unseenCorpus"] = {};
  for (const [corpus, weights] of Object.entries(folds.byCorpus)) {
    const scores = score(weights, samples.filter((s) => !s.spoof && s.corpus === corpus)).map((t) => t.score);
    unseenCorpus[corpus] = { clips: scores.length, falseAlarmRate: shareAtOrAbove(scores, threshold) };
  }

  return {
    pooledEer: pooled.rate,
    eerThreshold: pooled.threshold,
    threshold,
    falseAlarmCurve: FALSE_ALARM_CURVE.map((falseAlarmRate) => ({ falseAlarmRate, threshold: thresholdAtFalseAlarm(bonafideScores, falseAlarmRate) })),
    detectionRate: shareAtOrAbove(spoofScores, threshold),
    byPage,
    familyPooledEer: equalErrorRate(...split(familyTrials)).rate,
    byFamily,
    unseenCorpus,
  };
}

/** Scores every view with the fold models that never saw the clips, and fingerprints the deployed weights. */
export function evaluateDeepfake(samples: readonly DeepfakeSample[], folds: Record<Channel, DeepfakeFolds>, deployed: DeepfakeDeployedWeights): DeepfakeFigures {
  return {
    bonafideClips: samples.filter((s) => !s.spoof).length,
    spoofClips: samples.filter((s) => s.spoof).length,
    views: Object.fromEntries(VIEWS.map((view) => [view, evaluateView(samples, folds[channelOf(view)], view)])) as Record<View, DeepfakeViewFigures>,
    deployed: { wideband: fingerprint(samples, deployed.wideband.classifier, "wideband"), telephone: fingerprint(samples, deployed.telephone.classifier, "telephone") },
  };
}

const VIEW_NAMES: Record<View, string> = { wideband: "16 kHz", opus: "Opus 24 kb/s", telephone: "8 kHz G.711" };

/** The figures as Markdown tables. */
export function deepfakeTables(figures: DeepfakeFigures): string {
  const { views } = figures;
  const perView = (cell: (f: DeepfakeViewFigures) => string) => VIEWS.map((view) => cell(views[view]));
  const worstUnseen = (f: DeepfakeViewFigures) => Math.max(...Object.values(f.unseenCorpus).map((c) => c.falseAlarmRate));
  const summary = markdownTable(
    ["measure (every figure held out)", ...VIEWS.map((view) => VIEW_NAMES[view])],
    [
      ["leave-one-page-out pooled EER", ...perView((f) => percent(f.pooledEer))],
      ["leave-one-family-out pooled EER", ...perView((f) => percent(f.familyPooledEer))],
      [`operating point (${percent(OPERATING_FALSE_ALARM)} of real speech, page out): LLR threshold`, ...perView((f) => f.threshold.toFixed(2))],
      ["synthetic detected at the operating point (pages out, pooled)", ...perView((f) => percent(f.detectionRate))],
      ["real speech called synthetic, worst unseen corpus", ...perView((f) => percent(worstUnseen(f)))],
      ["real speech called synthetic, worst unseen page", ...perView((f) => percent(Math.max(...Object.values(f.byPage).map((p) => p.falseAlarmRate ?? 0))))],
    ],
  );
  const byPage = markdownTable(
    ["page left out", "bona fide", "spoof", ...VIEWS.map((view) => `EER ${VIEW_NAMES[view]}`), ...VIEWS.map((view) => `real called synthetic ${VIEW_NAMES[view]}`), ...VIEWS.map((view) => `detected ${VIEW_NAMES[view]}`)],
    Object.entries(views.wideband.byPage).map(([page, f]) => [
      page, f.bonafideClips, f.spoofClips,
      ...VIEWS.map((view) => percent(views[view].byPage[page]!.eer ?? Number.NaN)),
      ...VIEWS.map((view) => (f.bonafideClips > 0 ? percent(views[view].byPage[page]!.falseAlarmRate!) : "-")),
      ...VIEWS.map((view) => (f.spoofClips > 0 ? percent(views[view].byPage[page]!.detectionRate!) : "-")),
    ]),
  );
  const byFamily = markdownTable(
    ["system family left out", "spoof clips", ...VIEWS.map((view) => `EER ${VIEW_NAMES[view]}`)],
    Object.entries(views.wideband.byFamily).map(([family, f]) => [family, f.spoofClips, ...VIEWS.map((view) => percent(views[view].byFamily[family]!.eer))]),
  );
  const unseen = markdownTable(
    ["real speech of a corpus unseen in training", "clips", ...VIEWS.map((view) => `called synthetic ${VIEW_NAMES[view]}`)],
    Object.entries(views.wideband.unseenCorpus).map(([corpus, f]) => [corpus, f.clips, ...VIEWS.map((view) => percent(views[view].unseenCorpus[corpus]!.falseAlarmRate))]),
  );
  const deployed = `Deployed weights on every clip (a fingerprint of weights.json, not a quality figure): EER ${percent(figures.deployed.wideband.trainingEer)} wideband, ${percent(figures.deployed.telephone.trainingEer)} telephone.`;
  return `${summary}\n\n${byPage}\n\n${byFamily}\n\n${unseen}\n\n${deployed}`;
}
