import { randomUUID } from "node:crypto";
import { agentFrom, queueFrom } from "./config.ts";
import { canTake, choose, requirementAt } from "./eligibility.ts";
import { RoutingError } from "./RoutingError.ts";
import { MemoryRoutingStore, type RoutingStore } from "./store.ts";
import type { AgentRecord, AgentStatus, Offer, QueuedCall, QueueSpec, QueueStats, RoutingEvent } from "./types.ts";

/** What a router needs: where its state lives, its clock, and where its events go. */
export interface RouterOptions {
  store?: RoutingStore;
  /** ms since the epoch; injected by tests. */
  now?: () => number;
  emit(event: RoutingEvent): void;
  /** This node's name when the store is shared: each call is stamped with it, so an agent on another node knows where its caller is. */
  node?: string;
  /** Told the time of each dispatch that had calls waiting and agents free, less the time its events took to deliver, s: the routing decision (parley_routing_decision_seconds). */
  onDecision?(seconds: number): void;
}

/** A call to put in a queue. */
export interface EnqueueRequest {
  /** The caller's session id. */
  callId: string;
  queueId: string;
  /** Higher first (an angry caller, a valuable customer); default 0. */
  priority?: number;
  /** Skill levels this call needs instead of the queue's. */
  skills?: Record<string, number>;
  language?: string;
  /** Only this agent may take it (a transfer to a named agent). */
  onlyAgent?: string;
}

/** A call an agent accepted, with its wait. */
export interface Answered {
  call: QueuedCall;
  agent: AgentRecord;
  waitMs: number;
}

/**
 * The automatic call distributor: queues, agents, offers and their timers. Every change (a call
 * queued, an agent available, an offer declined, a tick of the clock) ends with a dispatch that
 * offers waiting calls, highest priority and earliest first, to the agents able to take them.
 * Operations run one at a time, across every node when the store is shared (its `exclusive`).
 */
export class Router {
  readonly store: RoutingStore;
  readonly #now: () => number;
  readonly #emit: (event: RoutingEvent) => void;
  readonly #onDecision?: (seconds: number) => void;
  readonly #node?: string;
  #turn: Promise<unknown> = Promise.resolve();
  /** Orders calls that arrive in the same millisecond. */
  #arrivals = 0;

  constructor(options: RouterOptions) {
    this.store = options.store ?? new MemoryRoutingStore();
    this.#now = options.now ?? Date.now;
    this.#emit = options.emit;
    this.#onDecision = options.onDecision;
    this.#node = options.node;
  }

  /** Defines (or redefines) a queue; throws RoutingError invalid_queue. */
  addQueue(input: unknown): Promise<QueueSpec> {
    return this.#serial(async () => {
      const queue = queueFrom(input);
      if (queue.overflow && "queue" in queue.overflow && !(await this.store.getQueue(queue.overflow.queue))) {
        throw new RoutingError("invalid_queue", `queue ${queue.id} overflows into ${queue.overflow.queue}, which does not exist`);
      }
      await this.store.putQueue(queue);
      return queue;
    });
  }

  /** Defines an agent (offline until it says otherwise); redefining keeps its status and state. */
  addAgent(input: unknown): Promise<AgentRecord> {
    return this.#serial(async () => {
      const fresh = agentFrom(input, this.#now());
      const known = await this.store.getAgent(fresh.id);
      const agent = known ? { ...known, name: fresh.name, skills: fresh.skills, languages: fresh.languages } : fresh;
      await this.store.putAgent(agent);
      return agent;
    });
  }

  /** Sets an agent's status; going offline or on break with an offer ringing declines it. */
  setStatus(agentId: string, status: AgentStatus, reason = "agent"): Promise<AgentRecord> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      if (status !== "available" && agent.state === "reserved" && agent.callId) await this.#missOffer(agent, "declined");
      const updated = { ...(await this.#agent(agentId)), status, missedOffers: status === "available" ? 0 : agent.missedOffers };
      if (status === "available" && agent.status !== "available" && updated.state === "idle") updated.idleSince = this.#now();
      await this.store.putAgent(updated);
      if (agent.status !== status) this.#emit({ type: "agent.status", agentId, status, reason });
      await this.#dispatch();
      return updated;
    });
  }

  /** Puts a call in a queue; returns its position (1: next). */
  enqueue(request: EnqueueRequest): Promise<{ position: number }> {
    return this.#serial(async () => {
      await this.#queue(request.queueId);
      if (await this.store.getCall(request.callId)) throw new RoutingError("already_queued", `call ${request.callId} is already queued`);
      const now = this.#now();
      const call: QueuedCall = {
        id: request.callId,
        queueId: request.queueId,
        priority: request.priority ?? 0,
        enteredAt: now,
        rank: now * 1000 + (this.#arrivals++ % 1000),
        skills: request.skills,
        language: request.language,
        onlyAgent: request.onlyAgent,
        missedBy: [],
        node: this.#node,
      };
      await this.store.putCall(call);
      const position = await this.#position(call);
      this.#emit({ type: "queue.entered", callId: call.id, queueId: call.queueId, priority: call.priority, position });
      await this.#dispatch();
      return { position };
    });
  }

  /** Changes a waiting call's priority (an angry caller moves ahead); false when it is not waiting. */
  prioritize(callId: string, priority: number): Promise<boolean> {
    return this.#serial(async () => {
      const call = await this.store.getCall(callId);
      if (!call) return false;
      await this.store.putCall({ ...call, priority });
      await this.#dispatch();
      return true;
    });
  }

  /** An agent takes an offered call: the call leaves the queue, the agent is on it. Throws offer_gone or not_offered. */
  accept(offerId: string, agentId: string): Promise<Answered> {
    return this.#serial(async () => {
      const offer = await this.store.getOffer(offerId);
      if (!offer) throw new RoutingError("offer_gone", `offer ${offerId} was taken, declined, timed out or its caller hung up`);
      if (!offer.agentIds.includes(agentId)) throw new RoutingError("not_offered", `offer ${offerId} was not made to agent ${agentId}`);
      if (!(await this.store.removeOffer(offerId))) throw new RoutingError("offer_gone", `offer ${offerId} is gone`);
      const call = await this.store.getCall(offer.callId);
      await this.store.removeCall(offer.callId);
      const queue = await this.store.getQueue(offer.queueId);
      const now = this.#now();
      for (const other of offer.agentIds) if (other !== agentId) await this.#release(other, offer.callId);
      await this.store.transitionAgent(agentId, "reserved", { state: "on_call", answeredAt: now, missedOffers: 0 });
      const agent = await this.#agent(agentId);
      this.#emit({ type: "agent.state", agentId, state: "on_call", callId: offer.callId });
      const waitMs = now - (call?.enteredAt ?? offer.offeredAt);
      const inTime = queue !== undefined && waitMs <= queue.serviceLevelSeconds * 1000;
      await this.store.count(offer.queueId, { answered: 1, answeredInTime: inTime ? 1 : 0 });
      this.#emit({ type: "queue.answered", callId: offer.callId, queueId: offer.queueId, agentId, waitMs });
      return { call: call ?? { id: offer.callId, queueId: offer.queueId, priority: 0, enteredAt: offer.offeredAt, rank: offer.offeredAt, missedBy: [] }, agent, waitMs };
    });
  }

  /** An agent turns an offer down: the call goes on to another agent. */
  decline(offerId: string, agentId: string): Promise<void> {
    return this.#serial(async () => {
      const offer = await this.store.getOffer(offerId);
      if (!offer) throw new RoutingError("offer_gone", `offer ${offerId} is gone`);
      if (!offer.agentIds.includes(agentId)) throw new RoutingError("not_offered", `offer ${offerId} was not made to agent ${agentId}`);
      await this.#missOffer(await this.#agent(agentId), "declined");
      await this.#dispatch();
    });
  }

  /** The caller hung up while waiting (or ringing): counted abandoned with the wait; false when it was not queued. */
  abandon(callId: string): Promise<boolean> {
    return this.#serial(async () => {
      const call = await this.store.getCall(callId);
      if (!call) return false;
      const position = await this.#position(call);
      await this.store.removeCall(callId);
      if (call.offerId) {
        const offer = await this.store.getOffer(call.offerId);
        await this.store.removeOffer(call.offerId);
        for (const agentId of offer?.agentIds ?? []) await this.#release(agentId, callId);
      }
      await this.store.count(call.queueId, { abandoned: 1 });
      this.#emit({ type: "queue.abandoned", callId, queueId: call.queueId, waitMs: this.#now() - call.enteredAt, position });
      await this.#dispatch();
      return true;
    });
  }

  /** Takes a waiting call out of its queue without counting it abandoned (a callback was asked for); false when it was not waiting. */
  remove(callId: string): Promise<boolean> {
    return this.#serial(async () => {
      const call = await this.store.getCall(callId);
      if (!call || !(await this.store.removeCall(callId))) return false;
      if (call.offerId) {
        const offer = await this.store.getOffer(call.offerId);
        await this.store.removeOffer(call.offerId);
        for (const agentId of offer?.agentIds ?? []) await this.#release(agentId, callId);
      }
      await this.#dispatch();
      return true;
    });
  }

  /** The agent finished its wrap-up before the queue's wrap-up time ran out. */
  endWrapUp(agentId: string): Promise<void> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      if (agent.state !== "wrap_up") return;
      await this.store.putAgent({ ...agent, wrapUpUntil: this.#now() });
      await this.#endWrapUps();
      await this.#dispatch();
    });
  }

  /** The agent's call ended: the agent wraps up for the queue's wrap-up time. */
  complete(callId: string, agentId: string): Promise<void> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      if (agent.state !== "on_call" || agent.callId !== callId) return;
      const queue = agent.queueId ? await this.store.getQueue(agent.queueId) : undefined;
      const now = this.#now();
      const talkMs = now - (agent.answeredAt ?? now);
      const wrapUpMs = (queue?.wrapUpSeconds ?? 0) * 1000;
      await this.store.transitionAgent(agentId, "on_call", { state: "wrap_up", wrapUpUntil: now + wrapUpMs });
      if (agent.queueId) await this.store.count(agent.queueId, { talkMs, completed: 1 });
      this.#emit({ type: "call.completed", callId, queueId: agent.queueId ?? "", agentId, talkMs });
      this.#emit({ type: "agent.state", agentId, state: "wrap_up", callId });
      await this.#endWrapUps();
      await this.#dispatch();
    });
  }

  /**
   * Reserves an available, idle agent for a consult on call `callId` (no queue offer: the agent
   * who asks chose this one). Throws agent_unavailable when the agent is busy, on break or offline.
   */
  reserve(agentId: string, callId: string, queueId: string): Promise<void> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      const free = agent.status === "available" && (await this.store.transitionAgent(agentId, "idle", { state: "reserved", callId, queueId }));
      if (!free) throw new RoutingError("agent_unavailable", `agent ${agentId} is ${agent.status === "available" ? agent.state.replace("_", " ") : agent.status.replace("_", " ")}, not free for a consult`);
      this.#emit({ type: "agent.state", agentId, state: "reserved", callId });
    });
  }

  /** The reserved agent joins the consult: on the call from now. Throws offer_gone when the reservation was given up. */
  join(agentId: string, callId: string): Promise<void> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      if (agent.callId !== callId || !(await this.store.transitionAgent(agentId, "reserved", { state: "on_call", answeredAt: this.#now(), missedOffers: 0 }))) {
        throw new RoutingError("offer_gone", `agent ${agentId} is no longer reserved for call ${callId}`);
      }
      this.#emit({ type: "agent.state", agentId, state: "on_call", callId });
    });
  }

  /** Gives up a consult reservation (declined or cancelled before the agent joined). */
  unreserve(agentId: string, callId: string): Promise<void> {
    return this.#serial(async () => {
      await this.#release(agentId, callId);
      await this.#dispatch();
    });
  }

  /**
   * The agent's leg vanished mid-call (its browser closed): the agent goes offline and the call
   * goes back to the head of its queue, keeping its wait and context.
   */
  agentLost(agentId: string, callId: string, queueId: string, enteredAt: number, priority = 0): Promise<void> {
    return this.#serial(async () => {
      const agent = await this.#agent(agentId);
      await this.store.putAgent({ ...agent, status: "offline", state: "idle", callId: undefined, queueId: undefined, answeredAt: undefined });
      this.#emit({ type: "agent.status", agentId, status: "offline", reason: "connection_lost" });
      if (!(await this.store.getQueue(queueId))) return;
      await this.store.putCall({ id: callId, queueId, priority, enteredAt, rank: 0, missedBy: [agentId], node: this.#node });
      this.#emit({ type: "queue.entered", callId, queueId, priority, position: 1 });
      await this.#dispatch();
    });
  }

  /**
   * Puts back what one node knows after the store lost its state (Redis restarted empty): the
   * records of the agents whose legs it holds (it knows them best: they replace any default another
   * node put there) and its waiting calls where the store has none; then a dispatch.
   */
  restore(agents: readonly AgentRecord[], calls: readonly QueuedCall[]): Promise<void> {
    return this.#serial(async () => {
      for (const agent of agents) await this.store.putAgent(agent);
      for (const call of calls) if (!(await this.store.getCall(call.id))) await this.store.putCall({ ...call, offerId: undefined, node: this.#node });
      await this.#dispatch();
    });
  }

  /** Runs the clock: offers that rang out, wrap-ups that ended, calls that waited too long, then a dispatch. */
  tick(): Promise<void> {
    return this.#serial(async () => {
      const now = this.#now();
      for (const offer of await this.store.listOffers()) {
        if (offer.expiresAt > now) continue;
        for (const agentId of offer.agentIds) {
          const agent = await this.store.getAgent(agentId);
          if (agent?.state === "reserved" && agent.callId === offer.callId) await this.#missOffer(agent, "timeout");
        }
        if (await this.store.removeOffer(offer.id)) await this.#reopen(offer.callId);
      }
      await this.#endWrapUps();
      await this.#overflow();
      await this.#dispatch();
    });
  }

  /** A waiting call's position in its queue (1: next), or undefined when it is not waiting. */
  async position(callId: string): Promise<number | undefined> {
    const call = await this.store.getCall(callId);
    return call ? await this.#position(call) : undefined;
  }

  /**
   * Estimated wait of a waiting call, ms: its position times the queue's mean handle time (talk
   * plus wrap-up), shared among the agents signed in who could serve it. Undefined before the
   * queue has completed a call or when nobody who could take it is signed in.
   */
  async estimatedWaitMs(callId: string): Promise<number | undefined> {
    const call = await this.store.getCall(callId);
    if (!call) return undefined;
    const queue = await this.#queue(call.queueId);
    const counters = await this.store.counters(call.queueId);
    if (counters.completed === 0) return undefined;
    const skills = requirementAt(queue, call, this.#now() - call.enteredAt);
    const staffed = (await this.store.listAgents()).filter((agent) => agent.status !== "offline" && canTake({ ...agent, status: "available", state: "idle" }, call, skills)).length;
    if (staffed === 0) return undefined;
    const handleMs = counters.talkMs / counters.completed + queue.wrapUpSeconds * 1000;
    return Math.round(((await this.#position(call)) * handleMs) / staffed);
  }

  /** A queue's figures: waiting now, longest wait, answered, abandoned, overflowed, service level. */
  async stats(queueId: string): Promise<QueueStats> {
    await this.#queue(queueId);
    const now = this.#now();
    const calls = await this.store.listCalls(queueId);
    const counters = await this.store.counters(queueId);
    return {
      queueId,
      waiting: calls.length,
      longestWaitMs: calls.reduce((longest, call) => Math.max(longest, now - call.enteredAt), 0),
      answered: counters.answered,
      answeredInTime: counters.answeredInTime,
      abandoned: counters.abandoned,
      overflowed: counters.overflowed,
      serviceLevel: counters.answered === 0 ? null : counters.answeredInTime / counters.answered,
    };
  }

  /** Runs `work` after every operation before it, so two operations never interleave in this process, nor (with a shared store) on any node. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#turn.then(() => (this.store.exclusive ? this.store.exclusive(work) : work()));
    this.#turn = result.catch(() => {});
    return result;
  }

  /** Offers every waiting call that someone can take now, highest priority and earliest first, across queues. */
  async #dispatch(): Promise<void> {
    const started = performance.now();
    let delivered = 0;
    const now = this.#now();
    const waiting = (await this.store.listCalls()).filter((call) => !call.offerId).sort(byTurn);
    if (waiting.length === 0) return;
    let free = (await this.store.listAgents()).filter((agent) => agent.status === "available" && agent.state === "idle");
    if (free.length === 0) return;
    const queues = new Map((await this.store.listQueues()).map((queue) => [queue.id, queue]));
    for (const call of waiting) {
      if (free.length === 0) break;
      const queue = queues.get(call.queueId);
      if (!queue) continue;
      const skills = requirementAt(queue, call, now - call.enteredAt);
      const able = free.filter((agent) => canTake(agent, call, skills));
      const fresh = able.filter((agent) => !call.missedBy.includes(agent.id));
      const chosen = choose(queue.strategy, fresh.length > 0 ? fresh : able, queue.strategy === "round-robin" ? await this.store.getCursor(queue.id) : undefined);
      const offerId = randomUUID();
      const reserved: string[] = [];
      for (const agent of chosen) {
        if (await this.store.transitionAgent(agent.id, "idle", { state: "reserved", callId: call.id, queueId: queue.id })) reserved.push(agent.id);
      }
      free = free.filter((agent) => !chosen.includes(agent));
      if (reserved.length === 0) continue;
      const offer: Offer = { id: offerId, callId: call.id, queueId: queue.id, agentIds: reserved, offeredAt: now, expiresAt: now + queue.ringSeconds * 1000 };
      await this.store.putOffer(offer);
      await this.store.putCall({ ...call, offerId });
      if (queue.strategy === "round-robin") await this.store.putCursor(queue.id, reserved[0]);
      // Telling the desktops and the caller's session is delivery, not decision: its time is left out.
      const delivering = performance.now();
      for (const agentId of reserved) this.#emit({ type: "agent.state", agentId, state: "reserved", callId: call.id });
      this.#emit({ type: "queue.offered", callId: call.id, queueId: queue.id, offerId, agentIds: reserved, waitMs: now - call.enteredAt });
      delivered += performance.now() - delivering;
    }
    this.#onDecision?.((performance.now() - started - delivered) / 1000);
  }

  /**
   * An agent declined or let an offer ring out: back to idle, the miss counted, on break past the
   * queue's limit; the offer goes on to the agents left on it, or the call waits again in its place.
   */
  async #missOffer(agent: AgentRecord, reason: "declined" | "timeout"): Promise<void> {
    const callId = agent.callId!;
    const call = await this.store.getCall(callId);
    const queue = agent.queueId ? await this.store.getQueue(agent.queueId) : undefined;
    const missed = agent.missedOffers + 1;
    const pause = queue !== undefined && queue.maxMissedOffers > 0 && missed >= queue.maxMissedOffers;
    const patch: Partial<AgentRecord> = { state: "idle", callId: undefined, queueId: undefined, missedOffers: missed, idleSince: this.#now(), ...(pause ? { status: "on_break" as const } : {}) };
    if (!(await this.store.transitionAgent(agent.id, "reserved", patch))) return;
    this.#emit({ type: "agent.state", agentId: agent.id, state: "idle" });
    if (pause) this.#emit({ type: "agent.status", agentId: agent.id, status: "on_break", reason: "missed_offers" });
    if (call?.offerId) {
      this.#emit({ type: "queue.offer_missed", callId, queueId: call.queueId, offerId: call.offerId, agentId: agent.id, reason });
      await this.store.putCall({ ...call, missedBy: [...call.missedBy, agent.id] });
      const offer = await this.store.getOffer(call.offerId);
      const rest = offer?.agentIds.filter((id) => id !== agent.id) ?? [];
      if (offer && rest.length > 0) await this.store.putOffer({ ...offer, agentIds: rest });
      else if (offer && (await this.store.removeOffer(offer.id))) await this.#reopen(callId);
    }
  }

  /** A call whose offer ended without an answer waits again, in its place. */
  async #reopen(callId: string): Promise<void> {
    const call = await this.store.getCall(callId);
    if (call) await this.store.putCall({ ...call, offerId: undefined });
  }

  /** Frees an agent reserved for `callId` (another agent took a ring-all offer, or the caller left). */
  async #release(agentId: string, callId: string): Promise<void> {
    const agent = await this.store.getAgent(agentId);
    if (agent?.callId !== callId) return;
    if (await this.store.transitionAgent(agentId, "reserved", { state: "idle", callId: undefined, queueId: undefined })) {
      this.#emit({ type: "agent.state", agentId, state: "idle" });
    }
  }

  async #endWrapUps(): Promise<void> {
    const now = this.#now();
    for (const agent of await this.store.listAgents()) {
      if (agent.state !== "wrap_up" || (agent.wrapUpUntil ?? 0) > now) continue;
      const patch = { state: "idle" as const, idleSince: now, callId: undefined, queueId: undefined, answeredAt: undefined, wrapUpUntil: undefined };
      if (await this.store.transitionAgent(agent.id, "wrap_up", patch)) this.#emit({ type: "agent.state", agentId: agent.id, state: "idle" });
    }
  }

  /** Calls past their queue's longest wait go to the overflow queue, or out with the queue's message. */
  async #overflow(): Promise<void> {
    const now = this.#now();
    const queues = new Map((await this.store.listQueues()).map((queue) => [queue.id, queue]));
    for (const call of await this.store.listCalls()) {
      const queue = queues.get(call.queueId);
      if (!queue?.overflow || call.offerId || now - call.enteredAt < queue.maxWaitSeconds * 1000) continue;
      const waitMs = now - call.enteredAt;
      await this.store.count(queue.id, { overflowed: 1 });
      if ("queue" in queue.overflow) {
        await this.store.putCall({ ...call, queueId: queue.overflow.queue, enteredAt: now, rank: call.rank, missedBy: [] });
        this.#emit({ type: "queue.overflowed", callId: call.id, queueId: queue.id, waitMs, to: queue.overflow.queue });
      } else {
        await this.store.removeCall(call.id);
        this.#emit({ type: "queue.overflowed", callId: call.id, queueId: queue.id, waitMs, message: queue.overflow.message });
      }
    }
  }

  async #position(call: QueuedCall): Promise<number> {
    const ahead = (await this.store.listCalls(call.queueId)).filter((other) => other.id !== call.id && byTurn(other, call) < 0);
    return ahead.length + 1;
  }

  async #agent(id: string): Promise<AgentRecord> {
    const agent = await this.store.getAgent(id);
    if (!agent) throw new RoutingError("unknown_agent", `no agent ${JSON.stringify(id)}`);
    return agent;
  }

  async #queue(id: string): Promise<QueueSpec> {
    const queue = await this.store.getQueue(id);
    if (!queue) throw new RoutingError("unknown_queue", `no queue ${JSON.stringify(id)}`);
    return queue;
  }
}

/** Whose turn first: higher priority, then lower rank (earlier arrival, or put back at the head). */
function byTurn(a: QueuedCall, b: QueuedCall): number {
  return b.priority - a.priority || a.rank - b.rank || a.id.localeCompare(b.id);
}
