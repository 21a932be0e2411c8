// The work done on request audio, from WAV bytes to a verdict or to enrollment statistics. The
// service runs it where it is called (tests, scripts); the HTTP API runs it in the analysis worker
// so that seconds of decoding, resampling and scoring never hold up the event loop that carries calls.
import { createResampler, downmixToMono, extractFeatureFrames, type GmmStatistics, readWav, type SpeechSegment, SpeechSegmenter, telephoneChannel } from "../../media/mod.ts";
import { BiometricsError } from "./BiometricsError.ts";
import type { VoiceprintModel, VoiceUtterance } from "./model.ts";
import type { BiometricsLimits, Verification } from "./verification.ts";

/** Decodes a WAV file (any rate, any channel count) to 16 kHz mono, with its original rate. */
export function decodeWavTo16k(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
  let wav;
  try {
    wav = readWav(bytes);
  } catch (error) {
    throw new BiometricsError("bad_audio", `not a WAV file this server reads: ${(error as Error).message}`);
  }
  const mono = wav.channels > 1 ? downmixToMono(wav.samples, wav.channels) : wav.samples;
  return { samples: wav.sampleRate === 16000 ? mono : createResampler(wav.sampleRate, 16000).process(mono), sampleRate: wav.sampleRate };
}

/** The utterances of a 16 kHz clip that hold enough speech, as the model sees them. */
export function utterancesOf(model: VoiceprintModel, pcm16k: Int16Array, minUtteranceVoicedMs: number): VoiceUtterance[] {
  const segments: SpeechSegment[] = [];
  const segmenter = new SpeechSegmenter();
  for (const frame of extractFeatureFrames(pcm16k)) segmenter.push(frame, (segment) => segments.push(segment));
  segmenter.flush((segment) => segments.push(segment));
  return segments.map((segment) => model.utterance(segment.frames, minUtteranceVoicedMs)).filter((u) => u.check.sufficient);
}

/** A WAV file's speech for enrollment: its utterances, and their companions (see `BiometricsService.wavEnrollment`). */
export interface WavEnrollment {
  utterances: VoiceUtterance[];
  companions: VoiceUtterance[];
}

/**
 * The utterances of a WAV file for enrollment, and (for wideband audio) the same speech through
 * a simulated telephone channel as companions: a voiceprint enrolled from both recognises the
 * voice on wideband and on 8 kHz calls (see the model card's cross-channel figure).
 */
export function wavEnrollment(model: VoiceprintModel, bytes: Uint8Array, minUtteranceVoicedMs: number): WavEnrollment {
  const { samples, sampleRate } = decodeWavTo16k(bytes);
  return {
    utterances: utterancesOf(model, samples, minUtteranceVoicedMs),
    companions: sampleRate > 8000 ? utterancesOf(model, telephoneChannel(samples), minUtteranceVoicedMs) : [],
  };
}

/** Enrollment statistics so far: none for a new voiceprint. */
export interface EnrollmentBase {
  statistics: GmmStatistics;
  speechMs: number;
}

/** Statistics after an enrollment, with the speech it added and the voiceprint's total. */
export interface Enrollment {
  statistics: GmmStatistics;
  speechMs: number;
  totalSpeechMs: number;
}

/**
 * Adds `utterances` (up to the enrollment limit) to `base`, or to fresh statistics; throws
 * insufficient_speech below the minimum. `companions`, other renderings of the same speech, are
 * added as they are, without counting as more speech.
 */
export function addEnrollment(model: VoiceprintModel, base: EnrollmentBase | undefined, speech: WavEnrollment, limits: BiometricsLimits): Enrollment {
  const statistics = base?.statistics ?? model.ubm.createStatistics();
  let total = base?.speechMs ?? 0;
  let added = 0;
  for (const utterance of speech.utterances) {
    if (total >= limits.maxEnrollMs) break;
    model.enroll(utterance, statistics);
    added += utterance.check.activeMs;
    total += utterance.check.activeMs;
  }
  if (total < limits.minEnrollMs) {
    throw new BiometricsError("insufficient_speech", `enrollment needs ${limits.minEnrollMs} ms of speech; this gives ${total} ms`);
  }
  let companionMs = 0;
  for (const utterance of speech.companions) {
    if (companionMs >= added) break;
    model.enroll(utterance, statistics);
    companionMs += utterance.check.activeMs;
  }
  return { statistics, speechMs: added, totalSpeechMs: total };
}

/** Scores `utterances` against the voiceprint made of `statistics`; throws insufficient_speech when they hold too little voiced speech. */
export function scoreVerification(model: VoiceprintModel, statistics: GmmStatistics, utterances: readonly VoiceUtterance[], limits: BiometricsLimits): Verification {
  const means = model.speakerMeans(statistics);
  let sum = 0;
  let frames = 0;
  let speechMs = 0;
  for (const utterance of utterances) {
    sum += model.scoreSum(utterance, means);
    frames += utterance.frames.length;
    speechMs += utterance.check.voicedMs;
  }
  if (speechMs < limits.minVoicedMs || frames === 0) {
    throw new BiometricsError("insufficient_speech", `verification needs ${limits.minVoicedMs} ms of voiced speech; this gives ${speechMs} ms`);
  }
  const score = sum / frames;
  return { verdict: score >= limits.threshold ? "match" : "no_match", score: Math.round(score * 1e4) / 1e4, threshold: limits.threshold, speechMs };
}
