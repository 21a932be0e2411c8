// What bench/load.ts and bench/load-generator.ts tell each other. The generator prints one JSON
// object per line on stdout; the server side learns each stream's schedule from session metadata.
import type { Distribution } from "./stats.ts";

/** Packet duration: the generator sends packet n of a stream at t0 + n * PACKET_MS. */
export const PACKET_MS = 20;
/** Session metadata key: the stream's index in the generator. */
export const INDEX_KEY = "loadIndex";
/** Session metadata key: "1" on a call that carries real speech and runs speech recognition (`--asr`). */
export const ASR_KEY = "loadAsr";
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
  /** Per stream index: how late each packet left (send time minus schedule), in ms, µs precision, from its first packet on. */
  latenessBySession: number[][];
  /**
   * Per stream index: the number of its first packet. A call that connected after its schedule
   * started skips the packets already due, so Parley's frame k is the generator's packet first + k.
   */
  firstPacketBySession: number[];
  latenessMs: Distribution;
  /** Time to open a session, ms: the JSON API's answer for RTP; for WebRTC, the WHIP request until DTLS is connected. */
  openMs: Distribution;
  /** Sessions that could not be opened (they send nothing), and the first few reasons. */
  openFailures: number;
  openErrors: string[];
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
