/**
 * The catalogue of Parley's coded errors, in one place (fastify style): every error a user can
 * meet has a stable code, an HTTP status for the API, and a message template.
 */
const CATALOGUE = {
  PARLEY_ERR_PLUGIN_INVALID: [500, "Invalid plugin: %s"],
  PARLEY_ERR_PLUGIN_DUPLICATE: [500, "Plugin %s is already registered"],
  PARLEY_ERR_PLUGIN_DEPENDENCY: [500, "Plugin %s needs %s, which is not registered"],
  PARLEY_ERR_PLUGIN_VERSION_MISMATCH: [500, "Plugin %s needs %s, but version %s is registered"],
  PARLEY_ERR_PLUGIN_OPTIONS: [500, "Invalid options for plugin %s: %s"],
  PARLEY_ERR_CONFIG: [500, "Invalid configuration: %s"],
  PARLEY_ERR_BAD_REQUEST: [400, "%s"],
  PARLEY_ERR_BAD_JSON: [400, "Request body is not valid JSON: %s"],
  PARLEY_ERR_BAD_SDP: [400, "Malformed SDP offer: %s"],
  PARLEY_ERR_NO_COMMON_CODEC: [400, "No supported audio codec in the offer (offered: %s; supported: opus, PCMU, PCMA, L16)"],
  PARLEY_ERR_UNKNOWN_CODEC: [400, "Unknown codec %s (supported: opus, pcmu, pcma, l16)"],
  PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE: [415, "Unsupported Content-Type %s (expected %s)"],
  PARLEY_ERR_BODY_TOO_LARGE: [413, "Request body exceeds %s bytes"],
  PARLEY_ERR_UNAUTHORIZED: [401, "Unauthorized: %s"],
  PARLEY_ERR_NOT_FOUND: [404, "%s not found"],
  PARLEY_ERR_METHOD_NOT_ALLOWED: [405, "Method %s not allowed on %s"],
  PARLEY_ERR_PORTS_EXHAUSTED: [503, "No free RTP ports in %s"],
  PARLEY_ERR_SHUTTING_DOWN: [503, "Server is shutting down"],
  PARLEY_ERR_SESSION_CLOSED: [409, "Session %s is closed"],
  PARLEY_ERR_TOO_MANY_CANDIDATES: [400, "Too many ICE candidates: %s"],
  PARLEY_ERR_CANDIDATE_REFUSED: [422, "ICE candidate refused: %s"],
} as const satisfies Record<string, readonly [number, string]>;

/** A code from the error catalogue. */
export type ParleyErrorCode = keyof typeof CATALOGUE;

/** An error with a stable code and the HTTP status the API answers it with. */
export class ParleyError extends Error {
  override readonly name = "ParleyError";
  /** HTTP status used when this error answers an API request. */
  readonly status: number;
  constructor(readonly code: ParleyErrorCode, ...args: (string | number)[]) {
    const [status, template] = CATALOGUE[code];
    let i = 0;
    super(template.replace(/%s/g, () => String(args[i++] ?? "")));
    this.status = status;
  }
}
