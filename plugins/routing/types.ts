// The routing model, after Asterisk's app_queue, FreeSWITCH's mod_callcenter and Twilio's
// TaskRouter: an agent's status (what the agent or a supervisor chose) is kept apart from its
// state (what the system is doing with it), calls wait in queues by priority then arrival, and an
// offer is a reservation that the agent accepts, declines or lets ring out.

/** What an agent (or a supervisor) chose: offline, ready for calls, or on a break. */
export type AgentStatus = "offline" | "available" | "on_break";

/** What the system is doing with an agent: free, holding an offer, talking, or wrapping up a call. */
export type AgentState = "idle" | "reserved" | "on_call" | "wrap_up";

/** An agent as the router keeps it. */
export interface AgentRecord {
  id: string;
  name: string;
  /** Skill name to level, 1 (some) to 10 (expert). */
  skills: Record<string, number>;
  /** Languages spoken, BCP 47 tags ("en", "es"). */
  languages: string[];
  status: AgentStatus;
  state: AgentState;
  /** Since when it is free for a call (ms since the epoch): what longest-idle orders by. */
  idleSince: number;
  /** Offers in a row the agent let ring out or declined; past the queue's limit it is put on break. */
  missedOffers: number;
  /** While wrapping up: when the wrap-up ends (ms since the epoch). */
  wrapUpUntil?: number;
  /** While reserved, on a call or wrapping up: that call, its queue and when it was answered. */
  callId?: string;
  queueId?: string;
  answeredAt?: number;
}

/** How a queue picks among the agents who can take a call. */
export type Strategy = "longest-idle" | "round-robin" | "ring-all";

/** From `afterSeconds` of waiting on, a call needs only these skill levels (a relaxed requirement). */
export interface RelaxStep {
  afterSeconds: number;
  skills: Record<string, number>;
}

/** Where a call goes once it has waited `maxWaitSeconds`: another queue, or out of the queue with a message (and a callback offer). */
export type Overflow = { queue: string } | { message: string };

/** A queue's configuration. */
export interface QueueSpec {
  id: string;
  name: string;
  strategy: Strategy;
  /** Skill levels an agent needs for this queue's calls, unless the call brings its own. */
  skills: Record<string, number>;
  /** Requirements that relax the longer a call waits, in order of `afterSeconds`; the call keeps its place. */
  relax: RelaxStep[];
  /** How long an offer rings before it passes on, s. */
  ringSeconds: number;
  /** Time an agent gets after each call before the next, s. */
  wrapUpSeconds: number;
  /** Offers in a row an agent may miss before being put on break (auto-pause); 0: never. */
  maxMissedOffers: number;
  /** Longest wait before overflow, s; 0: no limit. */
  maxWaitSeconds: number;
  overflow?: Overflow;
  /** Answered within this many seconds counts towards the service level. */
  serviceLevelSeconds: number;
}

/** A call waiting in (or offered from) a queue. */
export interface QueuedCall {
  /** The caller's session id. */
  id: string;
  queueId: string;
  /** Higher goes first; equal priorities by arrival. */
  priority: number;
  /** When it entered this queue (ms since the epoch): what its wait is counted from. */
  enteredAt: number;
  /** Its place among equal priorities, lowest first: its arrival (µs-like: ms × 1000 + a sequence), or 0 when it was put back at the head (its agent vanished). */
  rank: number;
  /** Skill levels this call needs instead of the queue's (from the caller's intent). */
  skills?: Record<string, number>;
  /** Language the caller speaks; only agents who speak it are offered the call. */
  language?: string;
  /** Agents who declined it or let it ring out: offered it again only when nobody else can take it. */
  missedBy: string[];
  /** The open offer, while one rings. */
  offerId?: string;
  /** Only this agent may take it (a transfer to a named agent). */
  onlyAgent?: string;
  /** With a shared store: the node that holds the caller's session. */
  node?: string;
}

/** An offer: a call reserved for one agent (or several, ring-all) until accepted or `expiresAt`. */
export interface Offer {
  id: string;
  callId: string;
  queueId: string;
  agentIds: string[];
  offeredAt: number;
  expiresAt: number;
}

/** A queue's figures now and since start. */
export interface QueueStats {
  queueId: string;
  waiting: number;
  longestWaitMs: number;
  answered: number;
  /** Answered within the queue's service-level threshold. */
  answeredInTime: number;
  abandoned: number;
  overflowed: number;
  /** answeredInTime / answered, null before the first answer. */
  serviceLevel: number | null;
}

/** What the router reports, in the spirit of app_queue's queue_log. */
export type RoutingEvent =
  | { type: "queue.entered"; callId: string; queueId: string; priority: number; position: number }
  | { type: "queue.offered"; callId: string; queueId: string; offerId: string; agentIds: string[]; waitMs: number }
  | { type: "queue.answered"; callId: string; queueId: string; agentId: string; waitMs: number }
  | { type: "queue.abandoned"; callId: string; queueId: string; waitMs: number; position: number }
  | { type: "queue.overflowed"; callId: string; queueId: string; waitMs: number; to?: string; message?: string }
  | { type: "queue.offer_missed"; callId: string; queueId: string; offerId: string; agentId: string; reason: "declined" | "timeout" }
  | { type: "call.completed"; callId: string; queueId: string; agentId: string; talkMs: number }
  | { type: "call.wrapped_up"; callId: string; agentId: string; disposition: string; notes: string }
  | { type: "agent.status"; agentId: string; status: AgentStatus; reason: string }
  | { type: "agent.state"; agentId: string; state: AgentState; callId?: string };
