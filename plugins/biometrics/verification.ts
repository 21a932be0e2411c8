// What enrollment and verification are bounded by and what a verification gives, apart from the
// service, so the analysis worker's modules use these types without importing the service.

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

/** A verification result. */
export interface Verification {
  verdict: "match" | "no_match";
  score: number;
  threshold: number;
  speechMs: number;
}
