// The biometrics plugin's coded errors: why a request cannot be served, with the HTTP status the
// API answers it with. (They stay in the plugin until plugins get error catalogues of their own.)

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

/** Why a request cannot be served: a stable code and a message. */
export class BiometricsError extends Error {
  override readonly name = "BiometricsError";
  constructor(readonly reason: BiometricsErrorReason, message: string) {
    super(message);
  }

  /** The API's error code, `PARLEY_ERR_BIOMETRICS_` and the reason in capitals. */
  get code(): string {
    return `PARLEY_ERR_BIOMETRICS_${this.reason.toUpperCase()}`;
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
