// The biometrics plugin's coded errors: why a request cannot be served, with the HTTP status the
// API answers it with. The plugin declares them (BIOMETRICS_ERRORS), so they join the server's
// error catalogue at registration; this file imports nothing, since the analysis worker throws them.

/** The HTTP status of each reason. */
const STATUS = {
  insufficient_speech: 422,
  not_enrolled: 404,
  bad_audio: 422,
  unsupported_audio: 422,
  audio_too_long: 413,
  model_mismatch: 409,
  busy: 503,
  analysis_failed: 500,
} as const;

/** Why a biometrics request cannot be served. */
export type BiometricsErrorReason = keyof typeof STATUS;

/** The API's error code of a reason: `PARLEY_ERR_BIOMETRICS_` and the reason in capitals. */
function codeOf(reason: BiometricsErrorReason): string {
  return `PARLEY_ERR_BIOMETRICS_${reason.toUpperCase()}`;
}

/** The plugin's entries of the error catalogue: code to [HTTP status, message template]. */
export const BIOMETRICS_ERRORS: Readonly<Record<string, readonly [number, string]>> = Object.fromEntries(
  Object.entries(STATUS).map(([reason, status]) => [codeOf(reason as BiometricsErrorReason), [status, "%s"] as const]),
);

/** Why a request cannot be served: a stable code and a message. */
export class BiometricsError extends Error {
  override readonly name = "BiometricsError";
  constructor(readonly reason: BiometricsErrorReason, message: string) {
    super(message);
  }

  /** The API's error code, `PARLEY_ERR_BIOMETRICS_` and the reason in capitals. */
  get code(): string {
    return codeOf(this.reason);
  }

  /** The HTTP status the API answers with. */
  get status(): number {
    return STATUS[this.reason];
  }
}

/** True when `value` names a BiometricsError reason (for errors that crossed a thread as plain data). */
export function isBiometricsErrorReason(value: unknown): value is BiometricsErrorReason {
  return typeof value === "string" && Object.hasOwn(STATUS, value);
}
