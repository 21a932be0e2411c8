// The routing plugin's session events, in the spirit of app_queue's queue_log, emitted on the
// caller's session; declared once as TypeBox schemas whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, Type } from "../../core/mod.ts";

/** The routing plugin's events. */
export const ROUTING_EVENTS = defineEvents({
  /** The caller entered a queue, at `position` (1: next). */
  "queue.entered": Type.Object({ queueId: Type.String(), priority: Type.Number(), position: Type.Number() }),
  /** The call rings at these agents. */
  "queue.offered": Type.Object({ queueId: Type.String(), offerId: Type.String(), agentIds: Type.Array(Type.String()), waitMs: Type.Number() }),
  /** An agent took the call after `waitMs` in the queue. */
  "queue.answered": Type.Object({ queueId: Type.String(), agentId: Type.String(), waitMs: Type.Number() }),
  /** The caller hung up while waiting. */
  "queue.abandoned": Type.Object({ queueId: Type.String(), waitMs: Type.Number(), position: Type.Number() }),
  /** The call waited too long: moved to queue `to`, or out with `message`. */
  "queue.overflowed": Type.Object({ queueId: Type.String(), waitMs: Type.Number(), to: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }),
  /** The caller asked (keypad `*`) to be called back instead of waiting, or overflow offered it. */
  "queue.callback_requested": Type.Object({ queueId: Type.String(), waitMs: Type.Number(), number: Type.Optional(Type.String()) }),
  /** The agent's part ended: talk and hold time. */
  "call.completed": Type.Object({ queueId: Type.String(), agentId: Type.String(), talkMs: Type.Number(), holdMs: Type.Number() }),
  /**
   * On the agent's leg: the agent's part of caller session `callId` is over, its wrap-up ended (by
   * the agent, or when the queue's wrap-up time ran out): talk (hold included), hold and wrap-up
   * times, the parts of a handle time.
   */
  "call.handled": Type.Object({ callId: Type.String(), queueId: Type.String(), agentId: Type.String(), talkMs: Type.Number(), holdMs: Type.Number(), wrapUpMs: Type.Number() }),
  /** A supervisor's leg `leg` takes part in the call in `mode` (listen, whisper, barge), switched from `previous`. */
  "supervisor.mode": Type.Object({ leg: Type.String(), mode: Type.String(), previous: Type.Optional(Type.String()) }),
  /** The supervisor's leg left the call (`removed`, `leg_ended`, `call_ended`). */
  "supervisor.left": Type.Object({ leg: Type.String(), reason: Type.String() }),
  /** Agent `agentId` put the caller on hold to consult agent `consulted`, who is offered the consult with the call's context. */
  "consult.started": Type.Object({ agentId: Type.String(), consulted: Type.String() }),
  /** The consulted agent accepted: the two agents talk, the caller on hold. */
  "consult.joined": Type.Object({ agentId: Type.String(), consulted: Type.String() }),
  /** The consulting agent brought the caller back: all three talk. */
  "consult.conferenced": Type.Object({ agentId: Type.String(), consulted: Type.String() }),
  /** Warm transfer done: agent `agentId` left, `consulted` is the caller's agent now. */
  "consult.transferred": Type.Object({ agentId: Type.String(), consulted: Type.String() }),
  /** The consult ended without a transfer (`declined`, `cancelled`, `leg_ended`, `agent_lost`). */
  "consult.ended": Type.Object({ consulted: Type.String(), reason: Type.String() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof ROUTING_EVENTS> {}
}
