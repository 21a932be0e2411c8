import type { AgentRecord, AgentState, Offer, QueuedCall, QueueSpec } from "./types.ts";

/**
 * Where the routing state lives. Asynchronous because a shared store (Redis, for several hosts)
 * is; `reserveAgent` is the one compare-and-set the router needs so that two routers never
 * reserve the same agent.
 */
export interface RoutingStore {
  getAgent(id: string): Promise<AgentRecord | undefined>;
  putAgent(agent: AgentRecord): Promise<void>;
  listAgents(): Promise<AgentRecord[]>;
  /** Applies `patch` to the agent only if it is in state `from` now; true when it did. */
  transitionAgent(id: string, from: AgentState, patch: Partial<AgentRecord>): Promise<boolean>;
  getQueue(id: string): Promise<QueueSpec | undefined>;
  putQueue(queue: QueueSpec): Promise<void>;
  listQueues(): Promise<QueueSpec[]>;
  getCall(id: string): Promise<QueuedCall | undefined>;
  putCall(call: QueuedCall): Promise<void>;
  /** Removes a waiting call; true when it was there (so an abandon and an accept cannot both win). */
  removeCall(id: string): Promise<boolean>;
  listCalls(queueId?: string): Promise<QueuedCall[]>;
  getOffer(id: string): Promise<Offer | undefined>;
  putOffer(offer: Offer): Promise<void>;
  /** Removes an offer; true when it was there (the first accept of a ring-all offer wins). */
  removeOffer(id: string): Promise<boolean>;
  listOffers(): Promise<Offer[]>;
  /** Adds to a queue's counters (answered, abandoned, ...), creating them at 0. */
  count(queueId: string, deltas: Partial<QueueCounters>): Promise<void>;
  counters(queueId: string): Promise<QueueCounters>;
  /** The last agent a round-robin queue offered a call to. */
  getCursor(queueId: string): Promise<string | undefined>;
  putCursor(queueId: string, agentId: string): Promise<void>;
  /**
   * Runs `work` while no router of another process runs one on this store (a lock shared by the
   * nodes); absent when only this process uses the store.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

/** A queue's counters since start. */
export interface QueueCounters {
  answered: number;
  answeredInTime: number;
  abandoned: number;
  overflowed: number;
  /** Sum of talk time of completed calls, ms, and how many: the handle time an estimated wait uses. */
  talkMs: number;
  completed: number;
}

/** Counters of a queue that has seen nothing yet. */
export function zeroCounters(): QueueCounters {
  return { answered: 0, answeredInTime: 0, abandoned: 0, overflowed: 0, talkMs: 0, completed: 0 };
}

/** The routing state in this process's memory (the default). Records are copied in and out, as a remote store would. */
export class MemoryRoutingStore implements RoutingStore {
  readonly #agents = new Map<string, AgentRecord>();
  readonly #queues = new Map<string, QueueSpec>();
  readonly #calls = new Map<string, QueuedCall>();
  readonly #offers = new Map<string, Offer>();
  readonly #counters = new Map<string, QueueCounters>();
  readonly #cursors = new Map<string, string>();

  getAgent(id: string) {
    return Promise.resolve(copy(this.#agents.get(id)));
  }
  putAgent(agent: AgentRecord) {
    this.#agents.set(agent.id, structuredClone(agent));
    return Promise.resolve();
  }
  listAgents() {
    return Promise.resolve([...this.#agents.values()].map((agent) => structuredClone(agent)));
  }
  transitionAgent(id: string, from: AgentState, patch: Partial<AgentRecord>) {
    const agent = this.#agents.get(id);
    if (!agent || agent.state !== from) return Promise.resolve(false);
    this.#agents.set(id, { ...agent, ...structuredClone(patch), id });
    return Promise.resolve(true);
  }
  getQueue(id: string) {
    return Promise.resolve(copy(this.#queues.get(id)));
  }
  putQueue(queue: QueueSpec) {
    this.#queues.set(queue.id, structuredClone(queue));
    return Promise.resolve();
  }
  listQueues() {
    return Promise.resolve([...this.#queues.values()].map((queue) => structuredClone(queue)));
  }
  getCall(id: string) {
    return Promise.resolve(copy(this.#calls.get(id)));
  }
  putCall(call: QueuedCall) {
    this.#calls.set(call.id, structuredClone(call));
    return Promise.resolve();
  }
  removeCall(id: string) {
    return Promise.resolve(this.#calls.delete(id));
  }
  listCalls(queueId?: string) {
    return Promise.resolve([...this.#calls.values()].filter((call) => queueId === undefined || call.queueId === queueId).map((call) => structuredClone(call)));
  }
  getOffer(id: string) {
    return Promise.resolve(copy(this.#offers.get(id)));
  }
  putOffer(offer: Offer) {
    this.#offers.set(offer.id, structuredClone(offer));
    return Promise.resolve();
  }
  removeOffer(id: string) {
    return Promise.resolve(this.#offers.delete(id));
  }
  listOffers() {
    return Promise.resolve([...this.#offers.values()].map((offer) => structuredClone(offer)));
  }
  count(queueId: string, deltas: Partial<QueueCounters>) {
    const counters = this.#counters.get(queueId) ?? zeroCounters();
    for (const [key, delta] of Object.entries(deltas) as [keyof QueueCounters, number][]) counters[key] += delta;
    this.#counters.set(queueId, counters);
    return Promise.resolve();
  }
  counters(queueId: string) {
    return Promise.resolve({ ...(this.#counters.get(queueId) ?? zeroCounters()) });
  }
  getCursor(queueId: string) {
    return Promise.resolve(this.#cursors.get(queueId));
  }
  putCursor(queueId: string, agentId: string) {
    this.#cursors.set(queueId, agentId);
    return Promise.resolve();
  }
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
