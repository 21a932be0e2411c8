// The seam between WHIP (HTTP, offers screened, trickled candidates) and what terminates ICE, DTLS
// and SRTP: werift in this process (the default) or mediasoup's C++ workers.
import type { CallSession } from "../Session.ts";

/** Which WebRTC edge a server runs: `werift` (in-process, nothing to build) or `mediasoup` (a C++ worker per core). */
export type WebRtcEdgeName = "werift" | "mediasoup";

/** One WebRTC call leg as its WHIP resource sees it. */
export interface WebRtcLeg {
  readonly session: CallSession;
  /** Adds a trickled remote candidate (already screened by the candidate policy). */
  addCandidate(candidate: string, mid: string): Promise<void>;
}

/** Terminates browsers' WebRTC and turns each offer into a session of Parley's own media path. */
export interface WebRtcEdge {
  readonly name: WebRtcEdgeName;
  /** Answers a screened offer with a new session; throws a coded ParleyError for an offer it cannot take. */
  answer(offer: string, metadata: Record<string, string>, startedAt: number): Promise<{ leg: WebRtcLeg; answer: string }>;
  /** Releases what the edge holds beyond its sessions (the mediasoup workers). */
  close(): Promise<void>;
}
