/** Why a routing request was refused. */
export type RoutingErrorCode =
  | "invalid_queue"
  | "invalid_agent"
  | "unknown_queue"
  | "unknown_agent"
  | "unknown_call"
  | "already_queued"
  | "offer_gone"
  | "not_offered"
  | "agent_unavailable"
  | "unknown_leg"
  | "invalid_mode"
  | "consult_state"
  | "store_unavailable"
  | "node_unavailable";

/** A routing request refused, with a code an API maps to its status (unknown_* 404, offer_gone 409, invalid_* 400, store_unavailable and node_unavailable 503). */
export class RoutingError extends Error {
  constructor(readonly code: RoutingErrorCode, message: string) {
    super(message);
    this.name = "RoutingError";
  }
}
