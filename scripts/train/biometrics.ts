// The voiceprint model's data, training and evaluation protocol. GMM-UBM: the background model
// is trained on the 62 LibriSpeech train-clean-100 speakers only (as recorded and through a
// telephone channel, so one model serves both); the evaluation speakers are never in it.
// speakers/: 5 test-other speakers, each enrolled from its first 3 utterances (at most 24 s) as the
// API enrolls a wideband WAV (the speech as recorded plus its telephone-channel rendering), and
// tested on its other 7 against every enrolled model, at 16 kHz and through the telephone channel.
// digits/: 4 speakers at 8 kHz, each enrolled from the 50 utterances numbered 0-4 of every
// digit (about 17 s), tested on the other 450, one digit at a time (about 0.4 s of speech) and
// three consecutive digits at a time.
import { DiagonalGmm, type GmmStatistics, type GmmWeights, GmmVerifier } from "../../media/dsp/gmm.ts";
import { voiceprintFrames } from "../../plugins/biometrics/features.ts";
import { clipSpeechFrames, loadSet, telephoneChannel } from "./dataset.ts";
import { opusChannel } from "./opus-channel.ts";
import { trainGmm } from "./gmm-training.ts";
import { equalErrorRate } from "./metrics.ts";
import { markdownTable, percent } from "./table.ts";

/** The background model's size and training. */
export const BIOMETRICS_TRAINING = { components: 64, iterations: 12, relevance: 16, top: 5 } as const;
const SPEAKERS_ENROLL_UTTERANCES = 3;
const DIGITS_ENROLL_BELOW = 5;

/** One utterance for verification: whose it is and its voiceprint frames. */
export interface VoiceUtterance {
  speaker: string;
  /** Order within the speaker's recordings. */
  index: number;
  seconds: number;
  frames: Float64Array[];
  /** The frames of the same speech through the telephone channel (wideband recordings only). */
  telephoneFrames: Float64Array[];
  /** The frames of the same speech through an Opus voice call (wideband recordings only). */
  opusFrames: Float64Array[];
}

/** Everything the protocol needs, loaded once. */
export interface BiometricsData {
  background: Float64Array[];
  speakers: VoiceUtterance[];
  digits: VoiceUtterance[];
}

/** Loads the background frames and the evaluation utterances. */
export async function loadBiometricsData(): Promise<BiometricsData> {
  const speakers = await loadSet("speakers");
  const background = speakers.filter((c) => c.row.librispeech_subset !== "test-other");
  const test = speakers.filter((c) => c.row.librispeech_subset === "test-other");
  const utterance = (speaker: string, index: number, pcm: Int16Array, wideband: boolean): VoiceUtterance => ({
    speaker,
    index,
    seconds: pcm.length / 16000,
    frames: voiceprintFrames(clipSpeechFrames(pcm)),
    telephoneFrames: wideband ? voiceprintFrames(clipSpeechFrames(telephoneChannel(pcm))) : [],
    opusFrames: wideband ? voiceprintFrames(clipSpeechFrames(opusChannel(pcm))) : [],
  });
  const orderOf = (file: string) => Number(/(\d+)\.flac$/.exec(file)?.[1] ?? 0);
  const digits = await loadSet("digits", 8000);
  return {
    background: background.flatMap((c) => [...voiceprintFrames(clipSpeechFrames(c.pcm)), ...voiceprintFrames(clipSpeechFrames(telephoneChannel(c.pcm)))]),
    speakers: test.map((c) => utterance(c.row.speaker, orderOf(c.row.file), c.pcm, true)),
    digits: digits.map((c) => utterance(c.row.speaker, orderOf(c.row.file), c.pcm, false)),
  };
}

/** Trains the background model. */
export function trainBiometrics(data: BiometricsData): GmmWeights {
  return trainGmm(data.background, BIOMETRICS_TRAINING.components, BIOMETRICS_TRAINING.iterations);
}

/** Equal error rate of one trial list. */
export interface TrialFigures {
  targetTrials: number;
  nonTargetTrials: number;
  /** Enrollment speech per speaker, seconds (mean). */
  enrollmentSeconds: number;
  eer: number;
  threshold: number;
}

/** Everything the model card and the regression test report. */
export interface BiometricsFigures {
  backgroundFrames: number;
  speakers: TrialFigures;
  speakersTelephone: TrialFigures;
  /** The same trials over an Opus voice call (24 kbit/s wideband), enrolled as above. */
  speakersOpus: TrialFigures;
  digitsSingle: TrialFigures;
  digitsTriple: TrialFigures;
  /**
   * The plugin's default threshold: the mean of the speakers/ EER thresholds (16 kHz and
   * telephone), the free-speech conditions of a call. Digit trials score higher (enrollment and
   * test say the same words), so they do not set it.
   */
  defaultThreshold: number;
}

/**
 * Enrolls each speaker from the utterances `enroll` picks (with their telephone renderings, as
 * the API does) and scores the rest in groups of `group`, as recorded or through the telephone.
 */
function runTrials(ubm: DiagonalGmm, utterances: readonly VoiceUtterance[], enroll: (u: VoiceUtterance) => boolean, group: number, testChannel: "frames" | "telephoneFrames" | "opusFrames"): TrialFigures {
  const scratch = new Float64Array(ubm.components);
  const models = new Map<string, Float64Array>();
  const enrollSeconds: number[] = [];
  for (const speaker of [...new Set(utterances.map((u) => u.speaker))].sort()) {
    const statistics: GmmStatistics = ubm.createStatistics();
    const chosen = utterances.filter((u) => u.speaker === speaker && enroll(u));
    for (const u of chosen) for (const frame of [...u.frames, ...u.telephoneFrames]) ubm.accumulate(frame, statistics, scratch);
    models.set(speaker, ubm.adaptMeans(statistics, BIOMETRICS_TRAINING.relevance));
    enrollSeconds.push(chosen.reduce((sum, u) => sum + u.seconds, 0));
  }
  const verifier = new GmmVerifier(ubm, BIOMETRICS_TRAINING.top);
  const targets: number[] = [];
  const nonTargets: number[] = [];
  for (const speaker of models.keys()) {
    const tests = utterances.filter((u) => u.speaker === speaker && !enroll(u)).sort((a, b) => a.index - b.index);
    for (let at = 0; at + group <= tests.length; at += group) {
      const frames = tests.slice(at, at + group).flatMap((u) => u[testChannel]);
      if (frames.length === 0) continue;
      for (const [model, means] of models) {
        let sum = 0;
        for (const frame of frames) sum += verifier.frameScore(frame, means);
        (model === speaker ? targets : nonTargets).push(sum / frames.length);
      }
    }
  }
  const eer = equalErrorRate(targets, nonTargets);
  return {
    targetTrials: targets.length,
    nonTargetTrials: nonTargets.length,
    enrollmentSeconds: enrollSeconds.reduce((a, b) => a + b, 0) / enrollSeconds.length,
    eer: eer.rate,
    threshold: eer.threshold,
  };
}

/** Runs the protocol with the background model `ubmWeights`. */
export function evaluateBiometrics(data: BiometricsData, ubmWeights: GmmWeights): BiometricsFigures {
  const ubm = new DiagonalGmm(ubmWeights);
  const speakerOrder = (utterances: readonly VoiceUtterance[]) => {
    const firsts = new Map<string, number[]>();
    for (const u of utterances) firsts.set(u.speaker, [...(firsts.get(u.speaker) ?? []), u.index].sort((a, b) => a - b));
    return (u: VoiceUtterance) => firsts.get(u.speaker)!.indexOf(u.index) < SPEAKERS_ENROLL_UTTERANCES;
  };
  const digitEnroll = (u: VoiceUtterance) => u.index < DIGITS_ENROLL_BELOW;
  const speakers = runTrials(ubm, data.speakers, speakerOrder(data.speakers), 1, "frames");
  const speakersTelephone = runTrials(ubm, data.speakers, speakerOrder(data.speakers), 1, "telephoneFrames");
  return {
    backgroundFrames: data.background.length,
    speakers,
    speakersTelephone,
    speakersOpus: runTrials(ubm, data.speakers, speakerOrder(data.speakers), 1, "opusFrames"),
    digitsSingle: runTrials(ubm, data.digits, digitEnroll, 1, "frames"),
    digitsTriple: runTrials(ubm, data.digits, digitEnroll, 3, "frames"),
    defaultThreshold: (speakers.threshold + speakersTelephone.threshold) / 2,
  };
}

/** The figures as a Markdown table. */
export function biometricsTables(figures: BiometricsFigures): string {
  const row = (name: string, f: TrialFigures) => [name, f.enrollmentSeconds.toFixed(1), f.targetTrials, f.nonTargetTrials, percent(f.eer), f.threshold.toFixed(3)];
  return markdownTable(["trials", "enrollment s", "target", "non-target", "EER", "threshold at EER"], [
    row("speakers/ 16 kHz, 8 s utterances", figures.speakers),
    row("speakers/ over 8 kHz G.711 (same 16 kHz enrollment)", figures.speakersTelephone),
    row("speakers/ over Opus 24 kb/s (same enrollment)", figures.speakersOpus),
    row("digits/ 8 kHz, one digit (~0.4 s)", figures.digitsSingle),
    row("digits/ 8 kHz, three digits (~1.3 s)", figures.digitsTriple),
  ]);
}
