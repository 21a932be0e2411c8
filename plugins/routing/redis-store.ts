// The routing state in Redis, for a call center whose nodes share one set of queues and agents.
// Records are JSON values in hashes under one key prefix; the router's operations run one at a
// time across every node (`exclusive`, a lock with an owner token and a lease), so the router's
// read-decide-write steps stay as simple as in memory. Routing decisions are a few per call, so a
// lock per operation costs nothing that matters, where atomic scripts for each operation would
// duplicate the router's logic in Lua.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RoutingError } from "./RoutingError.ts";
import { type QueueCounters, type RoutingStore, zeroCounters } from "./store.ts";
import type { AgentRecord, AgentState, Offer, QueuedCall, QueueSpec } from "./types.ts";

/** Where the shared routing state lives and how long a node may hold it. */
export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]`, `rediss://...` or a unix socket's path. */
  url: string;
  /** Key prefix shared by the nodes of one call center; default "parley:". */
  prefix?: string;
  /** How long a node holds the routing lock if it stops answering (a crash), ms; default 5000. */
  leaseMs?: number;
  /** How long an operation waits for the lock, or a command for its answer, before it is refused, ms; default 3000. */
  timeoutMs?: number;
}

/** Between attempts to reconnect to Redis, ms: growing, at most half a second, so a node is back soon after Redis is. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 500);
}

/** Sets a hash field only when it still holds the value read before: a compare-and-set. */
const COMPARE_AND_SET = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0";
/** Extends the lock's lease only while this node still holds it. */
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
/** Frees the lock only when this node still holds it (a lease that ran out may be someone else's now). */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** The routing state in Redis; `connect` opens it, `close` lets go of the connection. */
export class RedisRoutingStore implements RoutingStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #timeoutMs: number;
  readonly #where: string;
  /** The mark of the state this store last saw, to tell a Redis restarted empty from a connection that dropped. */
  #epoch: string | undefined;

  private constructor(redis: Redis, options: RedisStoreOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? "parley:";
    this.#leaseMs = options.leaseMs ?? 5000;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#where = options.url.replace(/\/\/[^@/]*@/, "//***@");
  }

  /** Connects; throws RoutingError store_unavailable when Redis cannot be reached. */
  static async connect(options: RedisStoreOptions): Promise<RedisRoutingStore> {
    const timeoutMs = options.timeoutMs ?? 3000;
    // Commands fail at once while the connection is down rather than wait in a queue: a node
    // without its shared state refuses new work with a clear error and goes on with what it has.
    const settings = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: timeoutMs, connectTimeout: timeoutMs, retryStrategy: reconnectDelay };
    const redis = options.url.startsWith("/") ? new Redis({ ...settings, path: options.url }) : new Redis(options.url, settings);
    // ioredis reconnects by itself; its error events would otherwise be unhandled.
    redis.on("error", () => {});
    const store = new RedisRoutingStore(redis, options);
    await store.#call(redis.connect());
    await store.#call(store.#markEpoch());
    return store;
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.#redis.status === "ready";
  }

  /**
   * Calls `listener` each time the connection comes back after it was lost, with `lost` true when
   * Redis lost the state meanwhile (it restarted empty: its epoch mark is not the one seen before).
   */
  onReconnect(listener: (lost: boolean) => void): void {
    this.#redis.on("ready", () => {
      this.#markEpoch().then((lost) => listener(lost), () => {});
    });
  }

  /** Sets the state's epoch mark if Redis has none; true when the mark differs from the last one this store saw. */
  async #markEpoch(): Promise<boolean> {
    const key = this.#key("epoch");
    await this.#redis.set(key, randomUUID(), "NX");
    const epoch = await this.#redis.get(key);
    const lost = this.#epoch !== undefined && epoch !== this.#epoch;
    this.#epoch = epoch ?? undefined;
    return lost;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const key = this.#key("lock");
    const token = randomUUID();
    const deadline = Date.now() + this.#timeoutMs;
    for (let pause = 1; !(await this.#call(this.#redis.set(key, token, "PX", this.#leaseMs, "NX"))); pause = Math.min(pause * 2, 25)) {
      if (Date.now() > deadline) throw new RoutingError("store_unavailable", `the routing state in Redis (${this.#where}) stayed locked by another node for ${this.#timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
    }
    const renewal = setInterval(() => void this.#redis.eval(RENEW, 1, key, token, this.#leaseMs).catch(() => {}), this.#leaseMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.#redis.eval(RELEASE, 1, key, token).catch(() => {});
    }
  }

  getAgent(id: string) {
    return this.#get<AgentRecord>("agents", id);
  }
  putAgent(agent: AgentRecord) {
    return this.#put("agents", agent.id, agent);
  }
  listAgents() {
    return this.#list<AgentRecord>("agents");
  }
  async transitionAgent(id: string, from: AgentState, patch: Partial<AgentRecord>): Promise<boolean> {
    const key = this.#key("agents");
    for (;;) {
      const before = await this.#call(this.#redis.hget(key, id));
      if (before === null) return false;
      const agent = JSON.parse(before) as AgentRecord;
      if (agent.state !== from) return false;
      const after = JSON.stringify({ ...agent, ...patch, id });
      if (await this.#call(this.#redis.eval(COMPARE_AND_SET, 1, key, id, before, after))) return true;
    }
  }
  getQueue(id: string) {
    return this.#get<QueueSpec>("queues", id);
  }
  putQueue(queue: QueueSpec) {
    return this.#put("queues", queue.id, queue);
  }
  listQueues() {
    return this.#list<QueueSpec>("queues");
  }
  getCall(id: string) {
    return this.#get<QueuedCall>("calls", id);
  }
  putCall(call: QueuedCall) {
    return this.#put("calls", call.id, call);
  }
  removeCall(id: string) {
    return this.#remove("calls", id);
  }
  async listCalls(queueId?: string) {
    const calls = await this.#list<QueuedCall>("calls");
    return queueId === undefined ? calls : calls.filter((call) => call.queueId === queueId);
  }
  getOffer(id: string) {
    return this.#get<Offer>("offers", id);
  }
  putOffer(offer: Offer) {
    return this.#put("offers", offer.id, offer);
  }
  removeOffer(id: string) {
    return this.#remove("offers", id);
  }
  listOffers() {
    return this.#list<Offer>("offers");
  }
  async count(queueId: string, deltas: Partial<QueueCounters>) {
    const transaction = this.#redis.multi();
    for (const [field, delta] of Object.entries(deltas)) if (delta) transaction.hincrby(this.#key(`counters:${queueId}`), field, delta);
    await this.#call(transaction.exec());
  }
  async counters(queueId: string) {
    const stored = await this.#call(this.#redis.hgetall(this.#key(`counters:${queueId}`)));
    const counters = zeroCounters();
    for (const field of Object.keys(counters) as (keyof QueueCounters)[]) counters[field] = Number(stored[field] ?? 0);
    return counters;
  }
  async getCursor(queueId: string) {
    return (await this.#call(this.#redis.hget(this.#key("cursors"), queueId))) ?? undefined;
  }
  async putCursor(queueId: string, agentId: string) {
    await this.#call(this.#redis.hset(this.#key("cursors"), queueId, agentId));
  }

  /** Keeps an agent's token digest for every node (one per agent: a new token replaces the old). */
  async putAgentToken(agentId: string, digest: string): Promise<void> {
    await this.#call(this.#redis.hset(this.#key("agent-tokens"), agentId, digest));
  }

  /** Every agent's token digest. */
  async agentTokens(): Promise<[agentId: string, digest: string][]> {
    return Object.entries(await this.#call(this.#redis.hgetall(this.#key("agent-tokens"))));
  }

  #key(name: string): string {
    return this.#prefix + name;
  }

  async #get<T>(hash: string, id: string): Promise<T | undefined> {
    const value = await this.#call(this.#redis.hget(this.#key(hash), id));
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async #put(hash: string, id: string, record: object): Promise<void> {
    await this.#call(this.#redis.hset(this.#key(hash), id, JSON.stringify(record)));
  }

  async #list<T>(hash: string): Promise<T[]> {
    return (await this.#call(this.#redis.hvals(this.#key(hash)))).map((value) => JSON.parse(value) as T);
  }

  async #remove(hash: string, id: string): Promise<boolean> {
    return (await this.#call(this.#redis.hdel(this.#key(hash), id))) === 1;
  }

  /** Runs a command; a connection that is down or a command that times out becomes RoutingError store_unavailable. */
  async #call<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      throw new RoutingError("store_unavailable", `the routing state in Redis (${this.#where}) cannot be reached: ${(error as Error).message}`);
    }
  }
}
