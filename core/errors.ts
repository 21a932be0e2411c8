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
  PARLEY_ERR_FORBIDDEN: [403, "Forbidden: %s"],
  PARLEY_ERR_NOT_FOUND: [404, "%s not found"],
  PARLEY_ERR_METHOD_NOT_ALLOWED: [405, "Method %s not allowed on %s"],
  PARLEY_ERR_UPGRADE_REQUIRED: [426, "%s takes WebSocket connections only (Upgrade: websocket)"],
  PARLEY_ERR_PORTS_EXHAUSTED: [503, "No free RTP ports in %s"],
  PARLEY_ERR_SHUTTING_DOWN: [503, "Server is shutting down"],
  PARLEY_ERR_SESSION_CLOSED: [409, "Session %s is closed"],
  PARLEY_ERR_TOO_MANY_CANDIDATES: [400, "Too many ICE candidates: %s"],
  PARLEY_ERR_CANDIDATE_REFUSED: [422, "ICE candidate refused: %s"],
  PARLEY_ERR_INTERNAL: [500, "Internal error"],
  PARLEY_ERR_UNAVAILABLE: [503, "New calls are refused: %s"],
  PARLEY_ERR_NOT_READY: [503, "Server is starting: plugin setup has not finished (%s); await server.listen() or server.ready() first"],
  PARLEY_ERR_METRIC_CONFLICT: [500, "Metric %s exists as %s; asked for %s"],
  PARLEY_ERR_CODE_CONFLICT: [500, "Error code %s is already registered as %s"],
} as const satisfies Record<string, readonly [number, string]>;

/** A code of core's own part of the error catalogue. */
export type ParleyErrorCode = keyof typeof CATALOGUE;

/** One entry of the catalogue: HTTP status and message template (`%s` takes the arguments in turn). */
export type ErrorEntry = readonly [status: number, template: string];

/** Codes plugins add: PARLEY_ERR_ and capitals, digits or underscores. */
const CODE = /^PARLEY_ERR_[A-Z0-9_]+$/;

/** The whole catalogue: core's codes and the ones plugins registered. */
const entries = new Map<string, ErrorEntry>(Object.entries(CATALOGUE));

/**
 * Adds a code to the catalogue (a plugin's own errors). Registering the same entry again is a
 * no-op, so a plugin may register at each setup; a different entry under a taken code throws.
 * Returns a function that makes errors with the code.
 */
export function registerErrorCode(code: string, template: string, status = 500): (...args: (string | number)[]) => ParleyError {
  if (!CODE.test(code)) throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `error code ${JSON.stringify(code)} must be PARLEY_ERR_ and capitals, digits or underscores`);
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `error code ${code}: HTTP status ${status} is not 4xx or 5xx`);
  const existing = entries.get(code);
  if (existing && (existing[0] !== status || existing[1] !== template)) {
    throw new ParleyError("PARLEY_ERR_CODE_CONFLICT", code, `${existing[0]} "${existing[1]}"`);
  }
  entries.set(code, [status, template]);
  return (...args) => new ParleyError(code as ParleyErrorCode, ...args);
}

/** Registers every entry of a table (see `registerErrorCode`) and returns it. */
export function registerErrorCodes<T extends Record<string, ErrorEntry>>(table: T): T {
  for (const [code, [status, template]] of Object.entries(table)) registerErrorCode(code, template, status);
  return table;
}

/** Every code in the catalogue with its status and template (for documentation and API descriptions). */
export function errorCatalogue(): ReadonlyMap<string, ErrorEntry> {
  return new Map(entries);
}

/** An error with a stable code and the HTTP status the API answers it with. */
export class ParleyError extends Error {
  override readonly name = "ParleyError";
  /** HTTP status used when this error answers an API request. */
  readonly status: number;
  /** Its code in the catalogue (core's, or one a plugin registered). */
  readonly code: string;
  constructor(code: ParleyErrorCode, ...args: (string | number)[]) {
    // A code nobody registered (only reachable through a cast) still makes a 500, never a crash.
    const [status, template] = entries.get(code) ?? [500, `${code}: %s`];
    let i = 0;
    super(template.replace(/%s/g, () => String(args[i++] ?? "")));
    this.code = code;
    this.status = status;
  }
}
