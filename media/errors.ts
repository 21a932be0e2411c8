/**
 * Thrown by every `media/` parser on malformed input. `reason` is a short, stable snake_case code
 * (`too_short`, `bad_version`, ...) so callers can count drops per cause as a Prometheus label;
 * the message carries the detail for humans.
 */
export class MediaParseError extends Error {
  override readonly name = "MediaParseError";
  readonly reason: string;

  constructor(reason: string, message: string) {
    // Malformed datagrams are ordinary traffic on an open port, and where the parser threw says
    // nothing the reason does not: skipping the stack capture makes a rejection several times cheaper.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.reason = reason;
  }
}
