// Enrollment and verification behind the plugin and its HTTP routes: voiceprints from WAV files
// or from live sessions, kept in a VoiceprintStore, scored with the VoiceprintModel.
import { AnalysisQueue } from "./AnalysisQueue.ts";
import { addEnrollment, decodeWavTo16k, scoreVerification, utterancesOf, type WavEnrollment, wavEnrollment } from "./audio-analysis.ts";
import { BiometricsError } from "./BiometricsError.ts";
import type { VoiceprintModel, VoiceUtterance } from "./model.ts";
import type { BiometricsLimits, Verification } from "./verification.ts";
import type { Voiceprint, VoiceprintStore } from "./voiceprint-store.ts";

export { BiometricsError, type BiometricsErrorReason } from "./BiometricsError.ts";
export type { BiometricsLimits, Verification } from "./verification.ts";

/** A live session that can be told to enroll its caller. */
export interface EnrollableSession {
  enroll(speakerId: string): void;
}

/** Requests the analysis worker takes beyond the one it is working on, unless told otherwise. */
export const DEFAULT_MAX_WAITING_ANALYSES = 2;

/** Voiceprints: enrollment from audio or sessions, verification, and the store behind them. */
export class BiometricsService {
  /** Sessions in progress, by id, that the API can ask to enroll. */
  readonly sessions = new Map<string, EnrollableSession>();
  /** Where WAV files from the API are analysed: a worker thread, with a bounded queue. */
  readonly analysis: AnalysisQueue;

  constructor(readonly model: VoiceprintModel, readonly store: VoiceprintStore, readonly fingerprint: string, readonly limits: BiometricsLimits, maxWaitingAnalyses = DEFAULT_MAX_WAITING_ANALYSES) {
    this.analysis = new AnalysisQueue(model.weights, maxWaitingAnalyses);
  }

  /** The utterances of a 16 kHz clip that hold enough speech, as the model sees them (on this thread). */
  utterancesOf(pcm16k: Int16Array): VoiceUtterance[] {
    return utterancesOf(this.model, pcm16k, this.limits.minUtteranceVoicedMs);
  }

  /** Decodes a WAV file (any rate, any channel count) to 16 kHz mono, with its original rate (on this thread). */
  decodeWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
    return decodeWavTo16k(bytes);
  }

  /** The utterances of a WAV file for enrollment, with telephone-channel companions for wideband audio (on this thread; see `wavEnrollment`). */
  wavEnrollment(bytes: Uint8Array): WavEnrollment {
    return wavEnrollment(this.model, bytes, this.limits.minUtteranceVoicedMs);
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
    const enrollment = addEnrollment(this.model, existing, { utterances: [...utterances], companions: [...companions] }, this.limits);
    return this.#save(speakerId, existing, enrollment);
  }

  /** Enrolls a WAV file's speech (see `enroll`), analysed in the worker. */
  async enrollWav(speakerId: string, wav: Uint8Array, replace: boolean): Promise<{ speechMs: number; totalSpeechMs: number }> {
    const existing = replace ? undefined : await this.voiceprint(speakerId);
    const enrollment = await this.analysis.enroll(wav, existing, this.limits);
    return this.#save(speakerId, existing, enrollment);
  }

  /** Verifies `utterances` against a speaker's voiceprint. */
  async verify(speakerId: string, utterances: readonly VoiceUtterance[]): Promise<Verification> {
    return scoreVerification(this.model, (await this.#enrolled(speakerId)).statistics, utterances, this.limits);
  }

  /** Verifies a WAV file against a voiceprint already loaded, analysed in the worker. */
  verifyWav(voiceprint: Voiceprint, wav: Uint8Array): Promise<Verification> {
    return this.analysis.verify(wav, voiceprint.statistics, this.limits);
  }

  /** Stops the analysis worker. */
  close(): Promise<void> {
    return this.analysis.close();
  }

  /** A speaker's voiceprint; throws not_enrolled when there is none. */
  async #enrolled(speakerId: string): Promise<Voiceprint> {
    const voiceprint = await this.voiceprint(speakerId);
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerId}`);
    return voiceprint;
  }

  async #save(speakerId: string, existing: Voiceprint | undefined, enrollment: { statistics: Voiceprint["statistics"]; speechMs: number; totalSpeechMs: number }): Promise<{ speechMs: number; totalSpeechMs: number }> {
    const now = new Date().toISOString();
    await this.store.save({ speakerId, model: this.fingerprint, createdAt: existing?.createdAt ?? now, updatedAt: now, speechMs: enrollment.totalSpeechMs, statistics: enrollment.statistics });
    return { speechMs: enrollment.speechMs, totalSpeechMs: enrollment.totalSpeechMs };
  }
}
