// The routing plugin's work on live calls: callers the bot hands over go to a queue chosen from
// their events, hear hold music with position announcements, and are bridged to the agent who
// accepts; agents' desktops are told of offers (with the call's context), turns and call ends. A
// call turns from a bridge into a conference when a third party joins: a supervisor (listen,
// whisper, barge) or an agent consulted before a warm transfer.
import { randomUUID } from "node:crypto";
import { Subject, type Subscription } from "rxjs";
import { type Bridge, bridge, type Clock, Conference, holdMusicClip, type LegLeft, type Session } from "../../core/mod.ts";
import type { RoutingCluster } from "./cluster.ts";
import { type CallContext, ContextCollector, type ObservedEvent, type Turn } from "./context.ts";
import "./events.ts";
import { Router } from "./Router.ts";
import { RoutingError } from "./RoutingError.ts";
import type { RoutingStore } from "./store.ts";
import { applySupervision, type SupervisorMode } from "./supervision.ts";
import type { AgentRecord, AgentStatus, QueuedCall, RoutingEvent } from "./types.ts";

/** How calls are sent to queues and moved in them, from what other plugins report. */
export interface RoutingPolicy {
  /** Queue of each topic the bot recognised (`voicebot.intent`); others go to `defaultQueue`. */
  intentQueues: Record<string, string>;
  defaultQueue: string;
  /** Queue for callers whose voice is reliably judged synthetic before the handover; none: no change. */
  fraudQueue?: string;
  /** Priority added when the caller's emotion escalates while waiting. */
  escalationPriority: number;
  /** Priority by the session metadata `customerValue` ("gold": 5). */
  valuePriority: Record<string, number>;
  /** Position and wait announcements, every this many seconds of waiting; 0: only on entry. */
  announceEverySeconds: number;
}

/** What an agent's desktop is told. */
export type AgentNotice =
  | { type: "agent.updated"; agent: AgentRecord }
  | { type: "offer"; offerId: string; callId: string; expiresAt: number; context: CallContext; consultFrom?: string }
  | { type: "offer.withdrawn"; offerId: string }
  | { type: "call.turn"; callId: string; turn: Turn }
  | { type: "call.context"; callId: string; context: CallContext }
  | { type: "call.ended"; callId: string; reason: string }
  | { type: "consult.joined"; callId: string; agentId: string }
  | { type: "consult.ended"; callId: string; agentId: string; reason: string }
  /** An event of the caller's session passed on as it is (the option `agentEvents`: the assist plugin's, for one). */
  | { type: "call.event"; callId: string; event: ObservedEvent };

/** What the routing plugins of a cluster tell each other (cluster.ts carries it). */
export type ClusterMessage =
  | { kind: "routed"; event: RoutingEvent }
  | { kind: "notice"; agentId: string; notice: AgentNotice }
  | { kind: "pipe.closed"; callId: string }
  /** An agent's token issued on one node, for the others (its SHA-256 digest only). */
  | { kind: "token"; agentId: string; digest: string };

/**
 * Opens an audio leg to another node: an RTP session whose metadata marks it as an agent's leg
 * (`agentLeg: mark`, so the other plugins leave it alone), sending to `remote` when given, else to
 * wherever its media comes from. Returns it with its "host:port".
 */
export type OpenPipe = (request: { mark: string; remote?: string }) => Promise<{ session: Session; address: string }>;

/** The audio between the caller's node and the agent's node, as one of the two holds it. */
interface Pipe {
  callId: string;
  agentId: string;
  /** The node at the other end. */
  node: string;
  session: Session;
  /** Which end this node is: the caller's (the call's logic runs here) or the agent's (its leg is here). */
  side: "caller" | "agent";
}

/** What the caller's node answers an agent's node that accepted its caller. */
interface AcceptedElsewhere {
  callId: string;
  context: CallContext;
  pipe: string;
}

/** An agent's call as accepted. */
export interface AcceptedCall {
  callId: string;
  context: CallContext;
}

/** A caller the plugin follows from the handover to the end. */
interface Caller {
  session: Session;
  collector: ContextCollector;
  queueId?: string;
  enteredAt?: number;
  priority: number;
  announcer?: ReturnType<typeof setInterval>;
  /** Text of the announcement playing, so hold music resumes after it. */
  announcing?: string;
  agentId?: string;
  /** Caller and agent, while nobody else takes part: the cheapest connection. */
  bridge?: Bridge;
  /** From the first third party on (a supervisor, a consulted agent) to the end of the call: every leg, mixed. */
  conference?: Conference;
  /** Hold time of the bridges this call had, ms. */
  bridgeHeldMs: number;
  /** Supervisors' legs on the call, by session id, with their modes. */
  supervisors: Map<string, { leg: Session; mode: SupervisorMode }>;
  /** The agent consulted (reserved, then in the conference once it accepts), and its offer. */
  consult?: { agentId: string; offerId: string; leg?: Session };
  subscription: Subscription;
}

/** A caller connected to an agent: by a bridge, or by a conference. */
type Connected = Caller & { agentId: string };

function minutes(ms: number): string {
  const rounded = Math.max(1, Math.round(ms / 60_000));
  return rounded === 1 ? "one minute" : `${rounded} minutes`;
}

/** Callers, agents' legs and the router, tied together. */
export class RoutingService {
  readonly router: Router;
  /** Notices for agents' desktops, by agent. */
  readonly notices$ = new Subject<{ agentId: string; notice: AgentNotice }>();
  /** Everything the router reports (supervisors' view, metrics). */
  readonly events$ = new Subject<RoutingEvent>();
  readonly #callers = new Map<string, Caller>();
  readonly #legs = new Map<string, Session>();
  /** Agent legs being opened: the one-time mark each carries in its metadata, to its agent. */
  readonly #expectedLegs = new Map<string, string>();
  /** Agents wrapping up: the call, its talk and hold times and when its wrap-up began, for `call.handled` on the agent's leg. */
  readonly #wrapping = new Map<string, { callId: string; queueId: string; talkMs: number; holdMs: number; since: number }>();
  /** Supervisor legs being opened, by their one-time mark; then the open ones, by session id. */
  readonly #expectedSupervisorLegs = new Set<string>();
  readonly #supervisorLegs = new Map<string, Session>();
  /** Each agent's record as last read, to put back into a store that lost it. */
  readonly #known = new Map<string, AgentRecord>();
  /** Pipe legs being opened: their mark, to their agent. */
  readonly #expectedPipes = new Map<string, string>();
  /** Calls whose caller and agent are on two nodes, by call id. */
  readonly #pipes = new Map<string, Pipe>();
  readonly #cluster?: RoutingCluster<ClusterMessage>;
  readonly #openPipe?: OpenPipe;
  /** Open consult offers: offer id to caller session id. */
  readonly #consultOffers = new Map<string, string>();
  readonly #now: () => number;
  readonly #forwarded: (type: string) => boolean;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;

  /**
   * `cluster` and `openPipe`: the other nodes sharing the store, and how audio reaches them (a
   * caller on one node, the agent who takes the call on another); `agentEvents`: types of the
   * caller's events passed on to the agent on the call (a trailing `*` matches a prefix);
   * `onError`: failures of work no request waits for and no caller hears of.
   */
  constructor(
    readonly policy: RoutingPolicy,
    options: { clock: Clock; store?: RoutingStore; cluster?: RoutingCluster<ClusterMessage>; openPipe?: OpenPipe; now?: () => number; onDecision?: (seconds: number) => void; agentEvents?: readonly string[]; onError?: (error: unknown) => void },
  ) {
    this.#now = options.now ?? Date.now;
    this.#cluster = options.cluster;
    this.#openPipe = options.openPipe;
    this.#onError = options.onError ?? (() => {});
    this.#clock = options.clock;
    const patterns = options.agentEvents ?? [];
    this.#forwarded = (type) => patterns.some((pattern) => (pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : type === pattern));
    this.router = new Router({ store: options.store, node: options.cluster?.node, now: this.#now, emit: (event) => this.#routed(event), onDecision: options.onDecision });
    if (this.#cluster) {
      this.#cluster.messages$.subscribe((message) => this.#fromCluster(message));
      this.#cluster.lost$.subscribe((node) => this.#nodeLost(node));
      this.#cluster.serve((method, args) => this.#served(method, args));
    }
  }

  /**
   * Marks the next leg `agentId` opens: the returned value goes into that session's metadata as
   * `agentLeg`. Only legs opened this way are agents' (metadata from a query string proves nothing).
   */
  expectLeg(agentId: string): string {
    const mark = randomUUID();
    this.#expectedLegs.set(mark, agentId);
    return mark;
  }

  /** Forgets a mark whose leg did not open (its offer was refused). */
  forgetLeg(mark: string): void {
    this.#expectedLegs.delete(mark);
  }

  /** Marks the next supervisor leg: the returned value goes into that session's metadata as `supervisorLeg`. */
  expectSupervisorLeg(): string {
    const mark = randomUUID();
    this.#expectedSupervisorLegs.add(mark);
    return mark;
  }

  /** Forgets a supervisor leg's mark whose leg did not open. */
  forgetSupervisorLeg(mark: string): void {
    this.#expectedSupervisorLegs.delete(mark);
  }

  /** Follows a new session: an agent's or a supervisor's audio leg (opened with their mark) or a caller. Returns its teardown. */
  attach(session: Session): () => void {
    const supervisorMark = session.info.metadata.supervisorLeg;
    if (supervisorMark !== undefined && this.#expectedSupervisorLegs.delete(supervisorMark)) return this.#attachSupervisorLeg(session);
    const mark = session.info.metadata.agentLeg;
    const pipeAgent = mark === undefined ? undefined : this.#expectedPipes.get(mark);
    if (pipeAgent !== undefined) {
      this.#expectedPipes.delete(mark!);
      const transcripts = this.#followTranscripts(pipeAgent, session);
      return () => transcripts.unsubscribe();
    }
    const agentId = mark === undefined ? undefined : this.#expectedLegs.get(mark);
    if (agentId === undefined) return this.#attachCaller(session);
    this.#expectedLegs.delete(mark!);
    return this.#attachLeg(agentId, session);
  }

  /** The agent's audio leg, if connected. */
  leg(agentId: string): Session | undefined {
    return this.#legs.get(agentId);
  }

  /** Sets an agent's status; going available needs its audio leg connected. */
  async setStatus(agentId: string, status: AgentStatus): Promise<AgentRecord> {
    if (status === "available" && !this.#legs.has(agentId)) throw new RoutingError("invalid_agent", `agent ${agentId} has no audio connected: open the agent leg first`);
    return await this.router.setStatus(agentId, status);
  }

  /** The agent takes an offered call: bridged to the agent's leg at once. */
  async accept(offerId: string, agentId: string): Promise<AcceptedCall> {
    const leg = this.#legs.get(agentId);
    if (!leg) throw new RoutingError("invalid_agent", `agent ${agentId} has no audio connected`);
    if (this.#consultOffers.has(offerId)) return await this.#joinConsult(offerId, agentId, leg);
    const node = await this.#nodeOfOffer(offerId);
    if (node !== undefined && node !== this.#cluster?.node) return await this.#acceptElsewhere(offerId, agentId, leg, node);
    return await this.#connect(offerId, agentId, leg);
  }

  /** The node holding the caller of a queue offer, in a cluster. */
  async #nodeOfOffer(offerId: string): Promise<string | undefined> {
    if (!this.#cluster) return undefined;
    const offer = await this.router.store.getOffer(offerId);
    return offer && (await this.router.store.getCall(offer.callId))?.node;
  }

  /**
   * The agent, whose leg is here, takes a caller held by `node`: a pipe leg here, the caller's node
   * accepts for the agent and bridges its caller to a pipe leg of its own that sends here, and
   * this node bridges the agent's leg to its end of the pipe.
   */
  async #acceptElsewhere(offerId: string, agentId: string, leg: Session, node: string): Promise<AcceptedCall> {
    const mark = randomUUID();
    this.#expectedPipes.set(mark, agentId);
    const pipe = await this.#openPipe!({ mark }).finally(() => this.#expectedPipes.delete(mark));
    let accepted: AcceptedElsewhere;
    try {
      accepted = (await this.#cluster!.call(node, "accept", { offerId, agentId, node: this.#cluster!.node, pipe: pipe.address })) as AcceptedElsewhere;
    } catch (error) {
      await pipe.session.hangup("accept_failed");
      throw error;
    }
    this.#keepPipe({ callId: accepted.callId, agentId, node, session: pipe.session, side: "agent" });
    // The agent's leg going (its browser closed) ends the bridge: the pipe goes too, and the caller's node hears of it.
    void bridge(pipe.session, leg).ended.then(() => pipe.session.hangup("agent_leg_ended"));
    return { callId: accepted.callId, context: accepted.context };
  }

  /** The caller's node, for an agent on `node` who accepted: a pipe leg to that node's, bridged to the caller. */
  async #acceptForElsewhere(offerId: string, agentId: string, node: string, remote: string): Promise<AcceptedElsewhere> {
    const mark = randomUUID();
    this.#expectedPipes.set(mark, agentId);
    const pipe = await this.#openPipe!({ mark, remote }).finally(() => this.#expectedPipes.delete(mark));
    try {
      const accepted = await this.#connect(offerId, agentId, pipe.session);
      this.#keepPipe({ callId: accepted.callId, agentId, node, session: pipe.session, side: "caller" });
      return { ...accepted, pipe: pipe.address };
    } catch (error) {
      await pipe.session.hangup("accept_failed");
      throw error;
    }
  }

  /** Remembers a pipe until its leg ends; then the other node is told, so that its end goes too. */
  #keepPipe(pipe: Pipe): void {
    this.#pipes.set(pipe.callId, pipe);
    if (pipe.side === "caller") this.#legs.set(pipe.agentId, pipe.session);
    void pipe.session.closed.then(() => {
      if (this.#pipes.get(pipe.callId) === pipe) this.#pipes.delete(pipe.callId);
      if (this.#legs.get(pipe.agentId) === pipe.session) this.#legs.delete(pipe.agentId);
      this.#cluster?.publish({ kind: "pipe.closed", callId: pipe.callId });
    });
  }

  /** Bridges the caller of a queue offer the agent accepted to `leg` (the agent's own, or a pipe to the agent's node). */
  async #connect(offerId: string, agentId: string, leg: Session): Promise<AcceptedCall> {
    const { call } = await this.router.accept(offerId, agentId);
    const caller = this.#callers.get(call.id);
    if (!caller) {
      await this.router.complete(call.id, agentId);
      throw new RoutingError("offer_gone", `the caller of offer ${offerId} has hung up`);
    }
    this.#stopWaiting(caller);
    caller.agentId = agentId;
    caller.bridge = bridge(caller.session, leg);
    const connected = caller.bridge;
    // A caller hanging up ends the bridge as their session ends: their call.completed must still go out on it.
    void connected.ended.then((end) => caller.session.finishing(this.#bridgeEnded(caller, connected, end.endedLeg, end.heldMs)));
    return { callId: call.id, context: caller.collector.snapshot(this.#now()) };
  }

  /** The agent declines an offer: a consult's goes back to the agent who asked; a queue's goes on to another agent. */
  async decline(offerId: string, agentId: string): Promise<void> {
    const callId = this.#consultOffers.get(offerId);
    if (callId === undefined) return await this.router.decline(offerId, agentId);
    const caller = this.#callers.get(callId);
    if (caller?.consult?.agentId !== agentId) throw new RoutingError("not_offered", `offer ${offerId} was not made to agent ${agentId}`);
    await this.#endConsult(caller, "declined");
  }

  /** The agent's call, or a coded error when it has none. */
  #callOf(agentId: string): Connected {
    for (const caller of this.#callers.values()) if (caller.agentId === agentId && this.#connected(caller)) return caller as Connected;
    throw new RoutingError("unknown_call", `agent ${agentId} is not on a call`);
  }

  #connected(caller: Caller): boolean {
    return caller.bridge?.active === true || caller.conference?.active === true;
  }

  /** Puts the agent's caller on hold (hold music). */
  async hold(agentId: string): Promise<void> {
    if (await this.#forward(agentId, "hold")) return;
    const caller = this.#callOf(agentId);
    (caller.conference ?? caller.bridge)!.hold(caller.session, holdMusicClip());
  }

  /** Takes the agent's caller off hold. */
  async unhold(agentId: string): Promise<void> {
    if (await this.#forward(agentId, "unhold")) return;
    const caller = this.#callOf(agentId);
    (caller.conference ?? caller.bridge)!.unhold(caller.session);
  }

  /** When the agent's caller is held by another node: the control runs there, and true. */
  async #forward(agentId: string, action: "hold" | "unhold" | "hangup" | "transfer", to?: { queue?: string; agent?: string }): Promise<boolean> {
    const pipe = [...this.#pipes.values()].find((p) => p.side === "agent" && p.agentId === agentId);
    if (!pipe) return false;
    await this.#cluster!.call(pipe.node, "control", { agentId, action, to });
    return true;
  }

  /**
   * A supervisor's leg joins call `callId` in `mode`, or switches to it when already on the call
   * (nothing reconnects: the conference's hear matrix changes). The call becomes a conference.
   */
  supervise(callId: string, legId: string, mode: SupervisorMode): { callId: string; leg: string; mode: SupervisorMode } {
    const caller = this.#callers.get(callId);
    if (!caller || caller.agentId === undefined || !this.#connected(caller)) throw new RoutingError("unknown_call", `no call ${JSON.stringify(callId)} connected to an agent`);
    const leg = this.#supervisorLegs.get(legId);
    if (!leg) throw new RoutingError("unknown_leg", `no supervisor leg ${JSON.stringify(legId)}: open one with POST /v1/supervisor/leg first`);
    for (const other of this.#callers.values()) if (other !== caller && other.supervisors.has(legId)) other.conference?.remove(leg);
    const conference = this.#conferenceOf(caller);
    const previous = caller.supervisors.get(legId)?.mode;
    caller.supervisors.set(legId, { leg, mode });
    if (!conference.has(leg)) conference.add(leg, { heard: false });
    this.#applyHearing(caller);
    if (previous !== mode) caller.session.emit({ type: "supervisor.mode", leg: legId, mode, ...(previous ? { previous } : {}), source: "routing" });
    return { callId, leg: legId, mode };
  }

  /** Supervisor legs leave call `callId`: the one named, or every one when none is. */
  unsupervise(callId: string, legId?: string): void {
    const caller = this.#callers.get(callId);
    if (!caller) throw new RoutingError("unknown_call", `no call ${JSON.stringify(callId)}`);
    const leaving = legId === undefined ? [...caller.supervisors.values()] : [caller.supervisors.get(legId)];
    if (leaving.length === 0 || leaving[0] === undefined) throw new RoutingError("unknown_leg", `${legId === undefined ? "no supervisor" : `supervisor leg ${JSON.stringify(legId)} is not`} on call ${callId}`);
    for (const supervisor of leaving) caller.conference?.remove(supervisor!.leg);
  }

  /**
   * Agent `agentId` consults agent `to` on its call: the caller goes on hold (hold music) and `to`
   * is reserved and offered the consult with the call's context (the briefing); once `to`
   * accepts, the two agents talk while the caller waits.
   */
  async consult(agentId: string, to: string): Promise<{ offerId: string }> {
    const caller = this.#callOf(agentId);
    if (caller.consult) throw new RoutingError("consult_state", `agent ${agentId} is already consulting agent ${caller.consult.agentId}`);
    if (to === agentId) throw new RoutingError("invalid_agent", "an agent cannot consult itself");
    if (!(await this.router.store.getAgent(to))) throw new RoutingError("unknown_agent", `no agent ${JSON.stringify(to)}`);
    if (!this.#legs.has(to)) throw new RoutingError("agent_unavailable", `agent ${to} has no audio connected`);
    await this.router.reserve(to, caller.session.id, caller.queueId ?? this.policy.defaultQueue);
    const offerId = randomUUID();
    caller.consult = { agentId: to, offerId };
    this.#consultOffers.set(offerId, caller.session.id);
    (caller.conference ?? caller.bridge)!.hold(caller.session, holdMusicClip());
    caller.session.emit({ type: "consult.started", agentId, consulted: to, source: "routing" });
    const context = caller.collector.snapshot(this.#now());
    this.#notify(to, { type: "offer", offerId, callId: caller.session.id, expiresAt: this.#now() + 600_000, context, consultFrom: agentId });
    return { offerId };
  }

  /** The consulting agent brings the caller back with both agents: all three hear each other. */
  conference(agentId: string): void {
    const caller = this.#consulting(agentId);
    caller.conference!.unhold(caller.session);
    caller.session.emit({ type: "consult.conferenced", agentId, consulted: caller.consult!.agentId, source: "routing" });
  }

  /** Warm transfer: the consulting agent leaves (and wraps up), the consulted agent stays with the caller, who comes off hold. */
  async completeTransfer(agentId: string): Promise<void> {
    const caller = this.#consulting(agentId);
    const conference = caller.conference!;
    const to = caller.consult!.agentId;
    caller.consult = undefined;
    caller.agentId = to;
    const heldMs = caller.bridgeHeldMs + conference.heldMs(caller.session);
    conference.remove(this.#legs.get(agentId)!);
    conference.unhold(caller.session);
    this.#applyHearing(caller);
    caller.session.emit({ type: "consult.transferred", agentId, consulted: to, source: "routing" });
    await this.#finishAgentPart(caller, agentId, heldMs, "transferred");
  }

  /** The consulting agent gives the consult up: the consulted agent leaves (or its offer is withdrawn), the caller comes off hold. */
  async cancelConsult(agentId: string): Promise<void> {
    const caller = this.#callOf(agentId);
    if (!caller.consult) throw new RoutingError("consult_state", `agent ${agentId} is not consulting anyone`);
    await this.#endConsult(caller, "cancelled");
  }

  /** The agent's call with a consulted agent who has joined, or a coded error. */
  #consulting(agentId: string): Connected {
    const caller = this.#callOf(agentId);
    if (!caller.consult?.leg || !caller.conference) throw new RoutingError("consult_state", `agent ${agentId} has no consulted agent on the line${caller.consult ? " yet" : ""}`);
    return caller;
  }

  /** Ends the caller's call from the agent's side. */
  async hangup(agentId: string): Promise<void> {
    if (await this.#forward(agentId, "hangup")) return;
    await this.#callOf(agentId).session.hangup("agent_hangup");
  }

  /** Blind transfer: the caller leaves this agent (who wraps up) for a queue, or for one named agent. */
  async transfer(agentId: string, to: { queue?: string; agent?: string }): Promise<void> {
    if (await this.#forward(agentId, "transfer", to)) return;
    const caller: Caller = this.#callOf(agentId);
    const queueId = to.queue ?? caller.queueId ?? this.policy.defaultQueue;
    if (to.agent !== undefined && !(await this.router.store.getAgent(to.agent))) throw new RoutingError("unknown_agent", `no agent ${JSON.stringify(to.agent)}`);
    if (!(await this.router.store.getQueue(queueId))) throw new RoutingError("unknown_queue", `no queue ${JSON.stringify(queueId)}`);
    if (caller.consult) await this.#endConsult(caller, "cancelled");
    caller.agentId = undefined;
    const heldMs = this.#disconnect(caller);
    await this.#finishAgentPart(caller, agentId, heldMs, "transferred");
    await this.#enqueue(caller, queueId, to.agent);
  }

  /** The agent is done with the wrap-up: its outcome and notes are reported (`events$`), and the agent is ready for the next call. */
  async wrapUp(agentId: string, outcome: { disposition: string; notes: string } = { disposition: "", notes: "" }): Promise<void> {
    const agent = await this.router.store.getAgent(agentId);
    if (!agent) throw new RoutingError("unknown_agent", `no agent ${JSON.stringify(agentId)}`);
    if (agent.state !== "wrap_up") throw new RoutingError("unknown_call", `agent ${agentId} is not wrapping up a call`);
    this.events$.next({ type: "call.wrapped_up", callId: agent.callId ?? "", agentId, ...outcome });
    await this.router.endWrapUp(agentId);
  }

  /** Runs the router's clock (ring timeouts, wrap-ups, overflow). */
  async tick(): Promise<void> {
    await this.router.tick();
  }

  /**
   * Puts this node's part of the routing state back into a store that lost it (Redis restarted
   * empty): its agents with a leg here, as last known (on the call they are on, no longer ringing
   * for an offer that is gone), and its waiting callers, in their order of arrival.
   */
  async restore(): Promise<void> {
    const agents = [...this.#legs.keys()].flatMap((agentId) => {
      const known = this.#known.get(agentId);
      if (!known) return [];
      const caller = [...this.#callers.values()].find((c) => c.agentId === agentId && this.#connected(c));
      if (caller) return [{ ...known, state: "on_call" as const, callId: caller.session.id, queueId: caller.queueId }];
      return [known.state === "reserved" ? { ...known, state: "idle" as const, callId: undefined, queueId: undefined } : known];
    });
    const calls = [...this.#callers.values()].filter((caller) => caller.queueId !== undefined && !this.#connected(caller)).map((caller): QueuedCall => {
      const enteredAt = caller.enteredAt ?? this.#now();
      return { id: caller.session.id, queueId: caller.queueId!, priority: caller.priority, enteredAt, rank: enteredAt * 1000, missedBy: [] };
    });
    await this.router.restore(agents, calls);
  }

  /** Stops every timer. */
  close(): void {
    for (const caller of this.#callers.values()) this.#stopWaiting(caller);
    this.notices$.complete();
    this.events$.complete();
  }

  #attachLeg(agentId: string, session: Session): () => void {
    this.#legs.get(agentId)?.hangup("replaced");
    this.#legs.set(agentId, session);
    const transcripts = this.#followTranscripts(agentId, session);
    this.#detach(session.closed.then(async () => {
      transcripts.unsubscribe();
      if (this.#legs.get(agentId) !== session) return;
      this.#legs.delete(agentId);
      const agent = await this.router.store.getAgent(agentId);
      // A leg lost on a call is handled by the bridge's end; otherwise the agent just goes offline.
      if (agent && agent.state !== "on_call" && agent.status !== "offline") await this.router.setStatus(agentId, "offline", "connection_lost");
    }));
    return () => transcripts.unsubscribe();
  }

  /** What the agent says on `leg` (its own, or a pipe from its node) becomes the agent's turns of the call it is on here. */
  #followTranscripts(agentId: string, leg: Session): Subscription {
    return leg.events$.subscribe((event) => {
      if (event.type !== "transcript") return;
      const caller = [...this.#callers.values()].find((c) => c.agentId === agentId && this.#connected(c));
      if (!caller) return;
      const turn: Turn = { who: "agent", text: event.text, at: event.ts };
      caller.collector.addTurn("agent", event.text, event.ts);
      this.#notify(agentId, { type: "call.turn", callId: caller.session.id, turn });
    });
  }

  /** A supervisor's leg: usable with `supervise` until it ends (its conference lets it go by itself). */
  #attachSupervisorLeg(session: Session): () => void {
    this.#supervisorLegs.set(session.id, session);
    void session.closed.then(() => this.#supervisorLegs.delete(session.id));
    return () => {};
  }

  #attachCaller(session: Session): () => void {
    const collector = new ContextCollector(session.id, session.info.metadata, session.info.startedAt);
    const caller: Caller = { session, collector, priority: this.policy.valuePriority[session.info.metadata.customerValue ?? ""] ?? 0, bridgeHeldMs: 0, supervisors: new Map(), subscription: undefined! };
    this.#callers.set(session.id, caller);
    caller.subscription = session.events$.subscribe((event) => this.#callerEvent(caller, event as unknown as ObservedEvent));
    // A caller hanging up while waiting is abandoned before the session's last event, so
    // `queue.abandoned` still goes out on it.
    void session.ending.then(() => {
      this.#stopWaiting(caller);
      if (caller.queueId && !caller.bridge && !caller.conference) session.finishing(this.router.abandon(session.id));
    });
    void session.closed.then(() => {
      caller.subscription.unsubscribe();
      if (!caller.bridge && !caller.conference) this.#callers.delete(session.id);
    });
    return () => caller.subscription.unsubscribe();
  }

  #callerEvent(caller: Caller, event: ObservedEvent): void {
    caller.collector.observe(event);
    if (caller.agentId !== undefined && this.#forwarded(event.type)) this.#notify(caller.agentId, { type: "call.event", callId: caller.session.id, event });
    const waiting = caller.queueId !== undefined && !this.#connected(caller);
    switch (event.type) {
      case "route.request":
        if (!caller.queueId) void this.#enqueue(caller, this.#queueFor(caller)).catch((error) => this.#failed(caller, error));
        break;
      case "emotion.escalation":
        if (waiting) this.#detach(this.router.prioritize(caller.session.id, (caller.priority += this.policy.escalationPriority)), caller);
        break;
      case "dtmf":
        if (waiting && event.digit === "*") this.#detach(this.#callback(caller), caller);
        break;
      case "tts.finished":
        if (waiting && caller.announcing === event.text) {
          caller.announcing = undefined;
          this.#holdMusic(caller, false);
        }
        break;
      case "transcript":
        if (caller.agentId && this.#connected(caller)) {
          this.#notify(caller.agentId, { type: "call.turn", callId: caller.session.id, turn: { who: "caller", text: String(event.text), at: event.ts } });
        }
        break;
    }
  }

  /** The queue a handed-over caller goes to: fraud review for a synthetic voice, else by topic. */
  #queueFor(caller: Caller): string {
    const context = caller.collector.snapshot(this.#now());
    if (this.policy.fraudQueue && context.syntheticVoice?.verdict === "synthetic" && context.syntheticVoice.reliable) return this.policy.fraudQueue;
    return (context.intent && this.policy.intentQueues[context.intent]) || this.policy.defaultQueue;
  }

  async #enqueue(caller: Caller, queueId: string, onlyAgent?: string): Promise<void> {
    caller.queueId = queueId;
    caller.enteredAt ??= this.#now();
    caller.collector.queued(this.#now());
    caller.agentId = undefined;
    this.#holdMusic(caller, true);
    await this.router.enqueue({ callId: caller.session.id, queueId, priority: caller.priority, onlyAgent });
    if (this.policy.announceEverySeconds > 0) caller.announcer = setInterval(() => this.#detach(this.#announce(caller), caller), this.policy.announceEverySeconds * 1000);
  }

  /** Tells a waiting caller their position and, once the queue knows its handle time, the wait. */
  async #announce(caller: Caller): Promise<void> {
    const position = await this.router.position(caller.session.id);
    if (position === undefined || this.#connected(caller)) return;
    const waitMs = await this.router.estimatedWaitMs(caller.session.id);
    const text = `You are number ${position} in the queue.${waitMs === undefined ? "" : ` The expected wait is about ${minutes(waitMs)}.`} Press star to be called back instead.`;
    // Behind a message still playing (why the caller is waiting again), not instead of it.
    const interrupt = caller.announcing === undefined;
    caller.announcing = text;
    caller.session.emit({ type: "tts.say", text, interrupt, source: "routing" });
  }

  /** The caller pressed `*`: out of the queue, a callback recorded, a goodbye. */
  async #callback(caller: Caller): Promise<void> {
    const queueId = caller.queueId!;
    if (!(await this.router.remove(caller.session.id))) return;
    this.#stopWaiting(caller);
    caller.queueId = undefined;
    caller.session.emit({ type: "queue.callback_requested", queueId, waitMs: this.#now() - (caller.enteredAt ?? this.#now()), number: caller.session.info.metadata.callerId, source: "routing" });
    caller.session.emit({ type: "tts.say", text: "Thank you. We will call you back as soon as an agent is free. Goodbye.", interrupt: true, source: "routing" });
  }

  /** Hold music for a waiting caller, behind (or, with `interrupt`, instead of) what plays; the caller's speech never stops it. */
  #holdMusic(caller: Caller, interrupt: boolean): void {
    caller.session.play(holdMusicClip(), { loop: true, interrupt, label: "routing:hold", bargeIn: false });
  }

  #stopWaiting(caller: Caller): void {
    clearInterval(caller.announcer);
    caller.announcer = undefined;
    caller.announcing = undefined;
  }

  /** A bridge ended: the caller hung up or the agent did (the agent wraps up), or the agent's leg was lost (the caller waits again, first in line). */
  async #bridgeEnded(caller: Caller, ended: Bridge, endedLeg: string | undefined, heldMs: number): Promise<void> {
    // A transfer moved the caller on already, and finished the agent's part itself.
    if (caller.bridge !== ended || caller.agentId === undefined) return;
    const agentId = caller.agentId;
    caller.agentId = undefined;
    caller.bridge = undefined;
    if (endedLeg !== undefined && endedLeg !== caller.session.id) return await this.#agentLost(caller, agentId);
    await this.#finishAgentPart(caller, agentId, caller.bridgeHeldMs + heldMs, "hangup");
    this.#callers.delete(caller.session.id);
  }

  /** The agent's leg vanished mid-call: the caller hears why and waits again, first in line. */
  async #agentLost(caller: Caller, agentId: string): Promise<void> {
    this.#holdMusic(caller, false);
    const text = "Sorry, we lost the connection to your agent. You are next in line.";
    caller.announcing = text;
    caller.session.emit({ type: "tts.say", text, interrupt: true, source: "routing" });
    await this.router.agentLost(agentId, caller.session.id, caller.queueId ?? this.policy.defaultQueue, caller.enteredAt ?? this.#now(), caller.priority);
  }

  /**
   * The call's conference, made from its bridge the first time a third party joins: the bridge
   * ends (its hold carried over) and the same two legs go on in a conference until the call ends.
   */
  #conferenceOf(caller: Caller): Conference {
    if (caller.conference) return caller.conference;
    const bridged = caller.bridge!;
    const [callerLeg, agentLeg] = bridged.legs;
    const onHold = bridged.held.some((leg) => leg.id === callerLeg.id);
    caller.bridgeHeldMs += bridged.heldMs;
    // Cleared first, so the bridge's end reads as this upgrade, not as the call's end.
    caller.bridge = undefined;
    bridged.unbridge();
    const conference = new Conference([callerLeg, agentLeg], { clock: this.#clock });
    caller.conference = conference;
    if (onHold) conference.hold(callerLeg, holdMusicClip());
    conference.left$.subscribe((left) => this.#conferenceLeft(caller, conference, left));
    return conference;
  }

  /** Who hears each supervisor, after every change of legs or modes. */
  #applyHearing(caller: Caller): void {
    if (caller.conference) applySupervision(caller.conference, caller.supervisors.values(), caller.agentId === undefined ? undefined : this.#legs.get(caller.agentId));
  }

  /** Ends the caller's bridge or conference (its other legs stay up); returns the caller's hold time. */
  #disconnect(caller: Caller): number {
    const [bridged, conference] = [caller.bridge, caller.conference];
    caller.bridge = caller.conference = undefined;
    const heldMs = caller.bridgeHeldMs + (bridged?.heldMs ?? 0) + (conference?.has(caller.session) ? conference.heldMs(caller.session) : 0);
    bridged?.unbridge();
    for (const id of [...caller.supervisors.keys()]) this.#supervisorGone(caller, id, "call_ended");
    conference?.end();
    caller.bridgeHeldMs = 0;
    return heldMs;
  }

  /** A leg left the call's conference: a supervisor, the consulted agent, the caller (the call ends) or the agent (lost). */
  #conferenceLeft(caller: Caller, conference: Conference, { leg, reason }: LegLeft): void {
    if (caller.conference !== conference || reason === "ended") return;
    const supervisor = caller.supervisors.get(leg.id);
    if (supervisor) return this.#supervisorGone(caller, leg.id, reason);
    if (caller.consult?.leg?.id === leg.id) {
      void this.#endConsult(caller, reason).catch((error) => this.#failed(caller, error));
      return;
    }
    const agentId = caller.agentId;
    if (agentId === undefined) return;
    if (leg.id === caller.session.id) {
      // The caller hung up: their call.completed must still go out on their ending session.
      caller.agentId = undefined;
      const consulted = caller.consult;
      caller.consult = undefined;
      const heldMs = this.#disconnect(caller);
      caller.session.finishing((async () => {
        if (consulted?.leg) await this.router.complete(caller.session.id, consulted.agentId);
        else if (consulted) await this.router.unreserve(consulted.agentId, caller.session.id);
        await this.#finishAgentPart(caller, agentId, heldMs, "hangup");
        this.#callers.delete(caller.session.id);
      })());
    } else if (reason === "leg_ended") {
      // The only other leg a conference has is the agent's.
      caller.agentId = undefined;
      if (caller.consult) this.#detach(this.#endConsult(caller, "agent_lost"), caller);
      this.#disconnect(caller);
      this.#detach(this.#agentLost(caller, agentId), caller);
    }
  }

  #supervisorGone(caller: Caller, id: string, reason: string): void {
    if (!caller.supervisors.delete(id)) return;
    caller.session.emit({ type: "supervisor.left", leg: id, reason, source: "routing" });
  }

  /** The consulted agent accepts: its leg joins the call's conference; the caller stays on hold until the consulting agent decides. */
  async #joinConsult(offerId: string, agentId: string, leg: Session): Promise<AcceptedCall> {
    const caller = this.#callers.get(this.#consultOffers.get(offerId)!);
    if (!caller || caller.consult?.offerId !== offerId || !this.#connected(caller)) throw new RoutingError("offer_gone", `consult ${offerId} is over`);
    if (caller.consult.agentId !== agentId) throw new RoutingError("not_offered", `consult ${offerId} was not offered to agent ${agentId}`);
    this.#consultOffers.delete(offerId);
    await this.router.join(agentId, caller.session.id);
    if (!this.#connected(caller)) {
      await this.router.complete(caller.session.id, agentId);
      throw new RoutingError("offer_gone", `the call of consult ${offerId} ended`);
    }
    const conference = this.#conferenceOf(caller);
    caller.consult.leg = leg;
    conference.add(leg);
    this.#applyHearing(caller);
    caller.session.emit({ type: "consult.joined", agentId: caller.agentId!, consulted: agentId, source: "routing" });
    this.#notify(caller.agentId!, { type: "consult.joined", callId: caller.session.id, agentId });
    return { callId: caller.session.id, context: caller.collector.snapshot(this.#now()) };
  }

  /** A consult ends without a transfer: declined, cancelled, or the consulted agent's leg left. The caller comes off hold. */
  async #endConsult(caller: Caller, reason: string): Promise<void> {
    const consult = caller.consult;
    if (!consult) return;
    caller.consult = undefined;
    this.#consultOffers.delete(consult.offerId);
    if (consult.leg) {
      caller.conference?.remove(consult.leg);
      await this.router.complete(caller.session.id, consult.agentId);
      this.#notify(consult.agentId, { type: "call.ended", callId: caller.session.id, reason: "consult_ended" });
    } else {
      await this.router.unreserve(consult.agentId, caller.session.id);
      this.#notify(consult.agentId, { type: "offer.withdrawn", offerId: consult.offerId });
    }
    if (caller.agentId !== undefined && this.#connected(caller)) {
      (caller.conference ?? caller.bridge)!.unhold(caller.session);
      this.#notify(caller.agentId, { type: "consult.ended", callId: caller.session.id, agentId: consult.agentId, reason });
    }
    caller.session.emit({ type: "consult.ended", consulted: consult.agentId, reason, source: "routing" });
  }

  /** The agent's part of a call is over: the agent wraps up and is told, the caller's session gets call.completed. */
  async #finishAgentPart(caller: Caller, agentId: string, heldMs: number, reason: string): Promise<void> {
    const agent = await this.router.store.getAgent(agentId);
    const talkMs = this.#now() - (agent?.answeredAt ?? this.#now());
    this.#wrapping.set(agentId, { callId: caller.session.id, queueId: caller.queueId ?? "", talkMs, holdMs: heldMs, since: this.#now() });
    await this.router.complete(caller.session.id, agentId);
    caller.session.emit({ type: "call.completed", queueId: caller.queueId ?? "", agentId, talkMs, holdMs: heldMs, source: "routing" });
    this.#notify(agentId, { type: "call.ended", callId: caller.session.id, reason });
    // The agent's part here is over: a pipe to the agent's node goes, and that node's end with it.
    const pipe = this.#pipes.get(caller.session.id);
    if (pipe?.agentId === agentId) await pipe.session.hangup(reason);
  }

  /** Router events of this node: to `events$`, agents' desktops and the other nodes; what concerns a caller here, onto its session. */
  #routed(event: RoutingEvent): void {
    this.events$.next(event);
    this.#cluster?.publish({ kind: "routed", event });
    this.#routedHere(event);
    switch (event.type) {
      case "queue.offer_missed":
        this.#notify(event.agentId, { type: "offer.withdrawn", offerId: event.offerId });
        break;
      case "agent.status":
      case "agent.state":
        this.#detach(this.router.store.getAgent(event.agentId).then((agent) => {
          if (!agent) return;
          this.#known.set(agent.id, agent);
          this.#notify(event.agentId, { type: "agent.updated", agent });
        }));
        break;
    }
  }

  /** A router event of any node: what concerns a caller of this node, onto its session and (an offer, with its context) to the agents' desktops; an agent's wrap-up that ended. */
  #routedHere(event: RoutingEvent): void {
    const callId = "callId" in event ? event.callId : undefined;
    const caller = callId === undefined ? undefined : this.#callers.get(callId);
    switch (event.type) {
      case "queue.entered":
        caller?.session.emit({ type: "queue.entered", queueId: event.queueId, priority: event.priority, position: event.position, source: "routing" });
        if (caller) this.#detach(this.#announce(caller), caller);
        break;
      case "queue.offered": {
        caller?.session.emit({ type: "queue.offered", queueId: event.queueId, offerId: event.offerId, agentIds: event.agentIds, waitMs: event.waitMs, source: "routing" });
        const context = caller?.collector.snapshot(this.#now());
        this.#detach(this.router.store.getOffer(event.offerId).then((offer) => {
          if (!offer || !context) return;
          for (const agentId of event.agentIds) this.#notify(agentId, { type: "offer", offerId: event.offerId, callId: event.callId, expiresAt: offer.expiresAt, context });
        }));
        break;
      }
      case "queue.abandoned":
        caller?.session.emit({ type: "queue.abandoned", queueId: event.queueId, waitMs: event.waitMs, position: event.position, source: "routing" });
        break;
      case "queue.answered":
        caller?.session.emit({ type: "queue.answered", queueId: event.queueId, agentId: event.agentId, waitMs: event.waitMs, source: "routing" });
        break;
      case "queue.overflowed":
        caller?.session.emit({ type: "queue.overflowed", queueId: event.queueId, waitMs: event.waitMs, to: event.to, message: event.message, source: "routing" });
        if (caller && event.to) caller.queueId = event.to;
        if (caller && event.message) {
          this.#stopWaiting(caller);
          caller.queueId = undefined;
          caller.session.emit({ type: "queue.callback_requested", queueId: event.queueId, waitMs: event.waitMs, number: caller.session.info.metadata.callerId, source: "routing" });
          caller.session.emit({ type: "tts.say", text: event.message, interrupt: true, source: "routing" });
        }
        break;
      case "agent.state":
        if (event.state === "idle") this.#wrapUpEnded(event.agentId);
        break;
    }
  }

  /**
   * An agent back to idle after a wrap-up: its leg gets `call.handled` with the call's handle time.
   * The agent's leg, not the caller's: the caller has usually hung up by then.
   */
  #wrapUpEnded(agentId: string): void {
    const wrapping = this.#wrapping.get(agentId);
    if (!wrapping) return;
    this.#wrapping.delete(agentId);
    const { since, ...call } = wrapping;
    this.#legs.get(agentId)?.emit({ type: "call.handled", ...call, agentId, wrapUpMs: this.#now() - since, source: "routing" });
  }

  /** A notice for an agent's desktop, on whichever node the desktop is. */
  #notify(agentId: string, notice: AgentNotice): void {
    this.notices$.next({ agentId, notice });
    this.#cluster?.publish({ kind: "notice", agentId, notice });
  }

  #fromCluster(message: ClusterMessage): void {
    switch (message.kind) {
      case "routed":
        this.#routedHere(message.event);
        break;
      case "notice":
        if (message.notice.type === "agent.updated") this.#known.set(message.agentId, message.notice.agent);
        this.notices$.next({ agentId: message.agentId, notice: message.notice });
        break;
      case "pipe.closed":
        void this.#pipes.get(message.callId)?.session.hangup("pipe_closed");
        break;
    }
  }

  /** Another node's calls: an agent there accepts a caller here, or controls its call with one. */
  async #served(method: string, args: unknown): Promise<unknown> {
    const request = args as { offerId: string; agentId: string; node: string; pipe: string; action: "hold" | "unhold" | "hangup" | "transfer"; to?: { queue?: string; agent?: string } };
    if (method === "accept") return await this.#acceptForElsewhere(request.offerId, request.agentId, request.node, request.pipe);
    if (method === "control" && request.action === "transfer") return await this.transfer(request.agentId, request.to ?? {});
    if (method === "control" && ["hold", "unhold", "hangup"].includes(request.action)) return await this[request.action as "hold" | "unhold" | "hangup"](request.agentId);
    throw new RoutingError("unknown_call", `no such call between nodes: ${method}`);
  }

  /**
   * A node stopped: the pipes to it go. A caller here whose agent was there hears why and is first
   * in line again (the pipe's end reads as the agent's leg lost); an agent here whose caller was
   * there is done with that call and wraps up.
   */
  #nodeLost(node: string): void {
    for (const pipe of [...this.#pipes.values()]) {
      if (pipe.node !== node) continue;
      void pipe.session.hangup("node_lost");
      if (pipe.side === "agent") {
        this.#detach(this.router.complete(pipe.callId, pipe.agentId));
        this.#notify(pipe.agentId, { type: "call.ended", callId: pipe.callId, reason: "node_lost" });
      }
    }
  }

  /** Runs routing work nobody waits for; its failure (the shared store out of reach) goes to the caller's session as plugin.error, or to `onError`. */
  #detach(work: Promise<unknown>, caller?: Caller): void {
    work.catch((error) => (caller ? this.#failed(caller, error) : this.#onError(error)));
  }

  #failed(caller: Caller, error: unknown): void {
    caller.session.emit({ type: "plugin.error", plugin: "routing", message: error instanceof Error ? error.message : String(error), source: "routing" });
  }
}
