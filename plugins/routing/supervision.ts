// Supervisor modes as rows of a conference's hear matrix, after Asterisk ChanSpy and FreeSWITCH
// eavesdrop: listen (hears everyone, heard by nobody), whisper (heard by the agent alone: Twilio's
// coaching), barge (heard by everyone). Switching a mode only rewrites the row: no leg reconnects.
import type { Conference, Session } from "../../core/mod.ts";
import { RoutingError } from "./RoutingError.ts";

/** How a supervisor takes part in a call. */
export type SupervisorMode = "listen" | "whisper" | "barge";

/** Every mode, in order of how much the supervisor is heard. */
export const SUPERVISOR_MODES: readonly SupervisorMode[] = ["listen", "whisper", "barge"];

/** A mode from a request body, or a coded error. */
export function supervisorMode(value: unknown): SupervisorMode {
  if (!SUPERVISOR_MODES.includes(value as SupervisorMode)) throw new RoutingError("invalid_mode", `mode must be one of ${SUPERVISOR_MODES.join(", ")}, got ${JSON.stringify(value)}`);
  return value as SupervisorMode;
}

/** Sets who hears each supervisor in `conference`: nobody (listen), the agent (whisper), everyone (barge). Supervisors hear everyone. */
export function applySupervision(conference: Conference, supervisors: Iterable<{ leg: Session; mode: SupervisorMode }>, agentLeg: Session | undefined): void {
  for (const { leg, mode } of supervisors) {
    for (const other of conference.legs) {
      if (other.id !== leg.id) conference.setHears(other, leg, mode === "barge" || (mode === "whisper" && other.id === agentLeg?.id));
    }
  }
}
