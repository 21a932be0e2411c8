// Enrollment and verification behind the plugin and its HTTP routes: voiceprints from WAV files
// or from live sessions, kept in a VoiceprintStore, scored with the VoiceprintModel.
import { createResampler, downmixToMono, extractFeatureFrames, type GmmStatistics, readWav, type SpeechSegment, SpeechSegmenter, telephoneChannel } from "../../media/mod.ts";
import type { VoiceprintModel, VoiceUtterance } from "./model.ts";
import type { Voiceprint, VoiceprintStore } from "./voiceprint-store.ts";

/** Limits of enrollment and verification. */
export interface BiometricsLimits {
  /** Voiced speech an utterance needs to count, ms. */
  minUtteranceVoicedMs: number;
  /** Voiced speech a verdict needs, ms. */
  minVoicedMs: number;
  /** Speech (active frames, voiced or not) an enrollment needs, ms. */
  minEnrollMs: number;
  /** Enrollment stops adding speech here (active frames), ms. */
  maxEnrollMs: number;
  /** Verification threshold (mean frame LLR). */
  threshold: number;
}

/** Why a request cannot be served: a stable code and a message. */
export class BiometricsError extends Error {
  override readonly name = "BiometricsError";
  /** `insufficient_speech`, `not_enrolled`, `bad_audio` or `model_mismatch`. */
  constructor(readonly reason: "insufficient_speech" | "not_enrolled" | "bad_audio" | "model_mismatch", message: string) {
    super(message);
  }
}

/** A verification result. */
export interface Verification {
  verdict: "match" | "no_match";
  score: number;
  threshold: number;
  speechMs: number;
}

/** A live session that can be told to enroll its caller. */
export interface EnrollableSession {
  enroll(speakerId: string): void;
}

/** Voiceprints: enrollment from audio or sessions, verification, and the store behind them. */
export class BiometricsService {
  /** Sessions in progress, by id, that the API can ask to enroll. */
  readonly sessions = new Map<string, EnrollableSession>();

  constructor(readonly model: VoiceprintModel, readonly store: VoiceprintStore, readonly fingerprint: string, readonly limits: BiometricsLimits) {}

  /** The utterances of a 16 kHz clip that hold enough speech, as the model sees them. */
  utterancesOf(pcm16k: Int16Array): VoiceUtterance[] {
    const segments: SpeechSegment[] = [];
    const segmenter = new SpeechSegmenter();
    for (const frame of extractFeatureFrames(pcm16k)) segmenter.push(frame, (segment) => segments.push(segment));
    segmenter.flush((segment) => segments.push(segment));
    return segments.map((segment) => this.model.utterance(segment.frames, this.limits.minUtteranceVoicedMs)).filter((u) => u.check.sufficient);
  }

  /** Decodes a WAV file (any rate, any channel count) to 16 kHz mono, with its original rate. */
  decodeWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
    let wav;
    try {
      wav = readWav(bytes);
    } catch (error) {
      throw new BiometricsError("bad_audio", `not a WAV file this server reads: ${(error as Error).message}`);
    }
    const mono = wav.channels > 1 ? downmixToMono(wav.samples, wav.channels) : wav.samples;
    return { samples: wav.sampleRate === 16000 ? mono : createResampler(wav.sampleRate, 16000).process(mono), sampleRate: wav.sampleRate };
  }

  /**
   * The utterances of a WAV file for enrollment, and (for wideband audio) the same speech through
   * a simulated telephone channel as companions: a voiceprint enrolled from both recognises the
   * voice on wideband and on 8 kHz calls (see the model card's cross-channel figure).
   */
  wavEnrollment(bytes: Uint8Array): { utterances: VoiceUtterance[]; companions: VoiceUtterance[] } {
    const { samples, sampleRate } = this.decodeWav(bytes);
    return { utterances: this.utterancesOf(samples), companions: sampleRate > 8000 ? this.utterancesOf(telephoneChannel(samples)) : [] };
  }

  /** A speaker's voiceprint, checked against the current model; undefined when not enrolled. */
  async voiceprint(speakerId: string): Promise<Voiceprint | undefined> {
    const voiceprint = await this.store.load(speakerId);
    if (voiceprint && voiceprint.model !== this.fingerprint) {
      throw new BiometricsError("model_mismatch", `the voiceprint of ${speakerId} was made with other model weights; enroll again`);
    }
    return voiceprint;
  }

  /**
   * Adds `utterances` (up to the enrollment limit) to a speaker's voiceprint, or replaces it;
   * returns what was enrolled. `companions`, other renderings of the same speech, are added to
   * the statistics as they are, without counting as more speech.
   */
  async enroll(speakerId: string, utterances: readonly VoiceUtterance[], replace: boolean, companions: readonly VoiceUtterance[] = []): Promise<{ speechMs: number; totalSpeechMs: number }> {
    const existing = replace ? undefined : await this.voiceprint(speakerId);
    const statistics: GmmStatistics = existing?.statistics ?? this.model.ubm.createStatistics();
    let total = existing?.speechMs ?? 0;
    let added = 0;
    for (const utterance of utterances) {
      if (total >= this.limits.maxEnrollMs) break;
      this.model.enroll(utterance, statistics);
      added += utterance.check.activeMs;
      total += utterance.check.activeMs;
    }
    if (total < this.limits.minEnrollMs) {
      throw new BiometricsError("insufficient_speech", `enrollment needs ${this.limits.minEnrollMs} ms of speech; this gives ${total} ms`);
    }
    let companionMs = 0;
    for (const utterance of companions) {
      if (companionMs >= added) break;
      this.model.enroll(utterance, statistics);
      companionMs += utterance.check.activeMs;
    }
    const now = new Date().toISOString();
    await this.store.save({ speakerId, model: this.fingerprint, createdAt: existing?.createdAt ?? now, updatedAt: now, speechMs: total, statistics });
    return { speechMs: added, totalSpeechMs: total };
  }

  /** Verifies `utterances` against a speaker's voiceprint. */
  async verify(speakerId: string, utterances: readonly VoiceUtterance[]): Promise<Verification> {
    const voiceprint = await this.voiceprint(speakerId);
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerId}`);
    const means = this.model.speakerMeans(voiceprint.statistics);
    let sum = 0;
    let frames = 0;
    let speechMs = 0;
    for (const utterance of utterances) {
      sum += this.model.scoreSum(utterance, means);
      frames += utterance.frames.length;
      speechMs += utterance.check.voicedMs;
    }
    if (speechMs < this.limits.minVoicedMs || frames === 0) {
      throw new BiometricsError("insufficient_speech", `verification needs ${this.limits.minVoicedMs} ms of voiced speech; this gives ${speechMs} ms`);
    }
    const score = sum / frames;
    return { verdict: score >= this.limits.threshold ? "match" : "no_match", score: Math.round(score * 1e4) / 1e4, threshold: this.limits.threshold, speechMs };
  }
}
