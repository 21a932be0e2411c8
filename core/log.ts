import { pino } from "pino";

/** A structured logger (pino): `log.info({ sessionId }, "message")`, `log.child({ plugin })`. */
export type Logger = pino.Logger;

/** Log levels, quietest last. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's root logger: JSON lines on stdout, `name: "parley"` on every line. */
export function createLogger(level: LogLevel = "info"): Logger {
  return pino({ name: "parley", level });
}

/** A logger that writes nothing, for sessions and parts created outside a server (tests, benches). */
export const silentLogger: Logger = pino({ level: "silent" });
