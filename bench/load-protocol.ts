// What bench/load.ts and bench/load-generator.ts tell each other. The generator prints one JSON
// object per line on stdout; the server side learns each stream's schedule from session metadata.
import type { Distribution } from "./stats.ts";

/** Packet duration: the generator sends packet n of a stream at t0 + n * PACKET_MS. */
export const PACKET_MS = 20;
/** Session metadata key: the stream's index in the generator. */
export const INDEX_KEY = "loadIndex";
/** Session metadata key: the stream's schedule start, absolute ms (performance.timeOrigin + performance.now()). */
export const T0_KEY = "loadT0";

/** Sent once every session is open: the window in which all streams run (absolute ms). */
export interface StreamingMessage {
  type: "streaming";
  steadyFrom: number;
  steadyUntil: number;
}

/** What the generator measured of itself, sent when it has stopped. */
export interface GeneratorReport {
  sessions: number;
  packetsSent: number;
  /** Per stream index: how late each packet left (send time minus schedule), in ms, µs precision. */
  latenessBySession: number[][];
  latenessMs: Distribution;
  /** Time to open a session over the JSON API, ms. */
  openMs: Distribution;
  /** The generator's own CPU use while streaming, % of one core. */
  cpuPercent: number;
  opusKbps: number;
  sendErrors: number;
}

/** Sent last, before the generator exits. */
export interface DoneMessage {
  type: "done";
  report: GeneratorReport;
}

/** Any line the generator prints. */
export type GeneratorMessage = StreamingMessage | DoneMessage;
