// Messages between the biometrics API (main thread) and its analysis worker. WAV bytes are
// transferred, not copied; a voiceprint's statistics travel as typed arrays.
import type { BiometricsErrorReason } from "./BiometricsError.ts";
import type { Enrollment, EnrollmentBase } from "./audio-analysis.ts";
import type { BiometricsWeights } from "./model.ts";
import type { BiometricsLimits, Verification } from "./verification.ts";
import type { GmmStatistics } from "../../media/mod.ts";

/** What the worker starts with. */
export interface AnalysisWorkerData {
  weights: BiometricsWeights;
}

/** From the main thread: score a WAV against a voiceprint, or add a WAV's speech to enrollment statistics. */
export type AnalysisRequest =
  | { type: "verify"; job: number; wav: Uint8Array; statistics: GmmStatistics; limits: BiometricsLimits }
  | { type: "enroll"; job: number; wav: Uint8Array; base: EnrollmentBase | undefined; limits: BiometricsLimits };

/** From the worker: the job's result, or why it failed (a BiometricsError reason, or analysis_failed for anything else). */
export type AnalysisReply =
  | { type: "verified"; job: number; verification: Verification }
  | { type: "enrolled"; job: number; enrollment: Enrollment }
  | { type: "failed"; job: number; reason: BiometricsErrorReason; message: string };
