// How the routing plugins of several nodes talk through Redis: messages to every node (what the
// router decided, notices for agents' desktops) and calls to one node (an agent on one node
// accepting a caller held by another), over one pub/sub channel, with each node's heartbeat on it
// so that a node that stops (SIGKILL, a lost host) is noticed within about a second.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Subject } from "rxjs";
import { reconnectDelay } from "./redis-store.ts";
import { RoutingError } from "./RoutingError.ts";

/** The nodes of one call center, as one node sees them. */
export interface RoutingCluster<Message> {
  /** This node's name. */
  readonly node: string;
  /** What the other nodes published. */
  readonly messages$: Subject<Message>;
  /** Names of nodes that stopped beating (each once). */
  readonly lost$: Subject<string>;
  /** The nodes heard from within the time a silent one is given, this one included. */
  nodes(): string[];
  /** To every other node; held (the last 1000) while Redis is out of reach and sent when it is back. */
  publish(message: Message): void;
  /** Runs `method` on `node`; throws RoutingError node_unavailable when it does not answer in time, or the error it answered with. */
  call(node: string, method: string, args: unknown): Promise<unknown>;
  /** Answers the other nodes' calls. */
  serve(handler: (method: string, args: unknown) => Promise<unknown>): void;
  close(): Promise<void>;
}

/** Where the nodes meet and how soon one counts as gone. */
export interface RedisClusterOptions {
  /** Same as the store's: `redis://...` or a unix socket's path. */
  url: string;
  /** Same as the store's: the call center's key prefix; default "parley:". */
  prefix?: string;
  /** This node's name; default a random one. */
  node?: string;
  /** Between heartbeats, ms; default 250. A node silent for 4 of them is lost. */
  heartbeatMs?: number;
  /** How long a call waits for its answer, ms; default 3000. */
  timeoutMs?: number;
}

/** How long the other nodes have to reconnect after Redis came back before one silent is lost, ms (reconnection is tried every half second at most). */
const RECONNECT_GRACE_MS = 2000;
/** Messages kept for the other nodes while Redis is out of reach; older ones are dropped. */
const HELD_MESSAGES = 1000;

/** What crosses the channel: a message, a heartbeat, a call or its answer. */
type Envelope<Message> =
  | { from: string; kind: "message"; message: Message }
  | { from: string; kind: "alive" }
  | { from: string; kind: "call"; to: string; id: string; method: string; args: unknown }
  | { from: string; kind: "answer"; to: string; id: string; result?: unknown; error?: { code: string; message: string } };

/** The nodes of one call center over Redis pub/sub. */
export class RedisCluster<Message> implements RoutingCluster<Message> {
  readonly node: string;
  readonly messages$ = new Subject<Message>();
  readonly lost$ = new Subject<string>();
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #heartbeatMs: number;
  readonly #timeoutMs: number;
  readonly #seen = new Map<string, number>();
  /** Messages published while the connection was down, oldest first. */
  readonly #held: string[] = [];
  /** Since when the connection is back with messages still held; 0 when none wait. */
  #backSince = 0;
  readonly #waiting = new Map<string, { resolve(value: unknown): void; reject(error: Error): void; timer: ReturnType<typeof setTimeout> }>();
  #handler: (method: string, args: unknown) => Promise<unknown> = (method) => Promise.reject(new Error(`no handler for ${method}`));
  /** When this node last heard its own heartbeat, and since when it hears it again after a gap. */
  #heardSelf = 0;
  #healthySince = 0;
  readonly #beat: ReturnType<typeof setInterval>;

  private constructor(publisher: Redis, subscriber: Redis, options: RedisClusterOptions) {
    this.node = options.node ?? randomUUID();
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = `${options.prefix ?? "parley:"}cluster`;
    this.#heartbeatMs = options.heartbeatMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    subscriber.on("message", (_channel: string, text: string) => this.#received(text));
    // Held messages wait until the other nodes are listening again (see #flushHeld).
    publisher.on("ready", () => void (this.#backSince = Date.now()));
    this.#beat = setInterval(() => this.#heartbeat(), this.#heartbeatMs);
  }

  /** Joins the cluster; throws RoutingError store_unavailable when Redis cannot be reached. */
  static async connect<Message>(options: RedisClusterOptions): Promise<RedisCluster<Message>> {
    const settings = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResubscribe: false, connectTimeout: options.timeoutMs ?? 3000, retryStrategy: reconnectDelay };
    const open = () => (options.url.startsWith("/") ? new Redis({ ...settings, path: options.url }) : new Redis(options.url, settings));
    const [publisher, subscriber] = [open(), open()];
    for (const connection of [publisher, subscriber]) connection.on("error", () => {});
    const channel = `${options.prefix ?? "parley:"}cluster`;
    try {
      await Promise.all([publisher.connect(), subscriber.connect()]);
      await subscriber.subscribe(channel);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw new RoutingError("store_unavailable", `the cluster channel in Redis cannot be reached: ${(error as Error).message}`);
    }
    // Subscribed again each time the connection comes back (ioredis's own resubscription is sent
    // before the connection is ready, which commands that do not queue cannot survive).
    subscriber.on("ready", () => void subscriber.subscribe(channel).catch(() => {}));
    return new RedisCluster<Message>(publisher, subscriber, options);
  }

  publish(message: Message): void {
    const text = JSON.stringify({ from: this.node, kind: "message", message });
    // Behind the held ones, in order.
    if (this.#publisher.status === "ready" && this.#held.length === 0) this.#publisher.publish(this.#channel, text).catch(() => this.#hold(text));
    else this.#hold(text);
  }

  /**
   * Sends the held messages once every node heard from before the outage beats again (it has
   * subscribed again: pub/sub keeps nothing for a node that is not listening), or after
   * RECONNECT_GRACE_MS, whichever comes first.
   */
  #flushHeld(now: number): void {
    if (this.#held.length === 0 || this.#publisher.status !== "ready") return;
    const back = this.#backSince || now;
    const everyoneBack = [...this.#seen.values()].every((seen) => seen >= back);
    if (!everyoneBack && now - back < RECONNECT_GRACE_MS) return;
    for (const text of this.#held.splice(0)) this.#publisher.publish(this.#channel, text).catch(() => {});
  }

  #hold(text: string): void {
    if (this.#held.push(text) > HELD_MESSAGES) this.#held.shift();
  }

  call(node: string, method: string, args: unknown): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new RoutingError("node_unavailable", `node ${node} did not answer ${method} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiting.set(id, { resolve, reject, timer });
      this.#send({ from: this.node, kind: "call", to: node, id, method, args });
    });
  }

  serve(handler: (method: string, args: unknown) => Promise<unknown>): void {
    this.#handler = handler;
  }

  nodes(): string[] {
    const since = Date.now() - 4 * this.#heartbeatMs;
    return [this.node, ...[...this.#seen].filter(([, seen]) => seen >= since).map(([node]) => node)];
  }

  async close(): Promise<void> {
    clearInterval(this.#beat);
    for (const { reject, timer } of this.#waiting.values()) {
      clearTimeout(timer);
      reject(new RoutingError("node_unavailable", "this node is closing"));
    }
    this.#waiting.clear();
    this.messages$.complete();
    this.lost$.complete();
    for (const connection of [this.#subscriber, this.#publisher]) await connection.quit().catch(() => connection.disconnect());
  }

  #send(envelope: Envelope<Message>): void {
    this.#publisher.publish(this.#channel, JSON.stringify(envelope)).catch(() => {});
  }

  #received(text: string): void {
    let envelope: Envelope<Message>;
    try {
      envelope = JSON.parse(text) as Envelope<Message>;
    } catch {
      return;
    }
    const now = Date.now();
    if (envelope.from === this.node) {
      if (envelope.kind === "alive") this.#heardSelf = now;
      return;
    }
    this.#seen.set(envelope.from, now);
    this.#flushHeld(now);
    switch (envelope.kind) {
      case "message":
        this.messages$.next(envelope.message);
        break;
      case "call":
        if (envelope.to === this.node) void this.#answer(envelope);
        break;
      case "answer": {
        const waiting = envelope.to === this.node ? this.#waiting.get(envelope.id) : undefined;
        if (!waiting) return;
        this.#waiting.delete(envelope.id);
        clearTimeout(waiting.timer);
        if (envelope.error) waiting.reject(new RoutingError(envelope.error.code as never, envelope.error.message));
        else waiting.resolve(envelope.result);
        break;
      }
    }
  }

  async #answer(call: Extract<Envelope<Message>, { kind: "call" }>): Promise<void> {
    const answer = { from: this.node, kind: "answer" as const, to: call.from, id: call.id };
    try {
      this.#send({ ...answer, result: await this.#handler(call.method, call.args) });
    } catch (error) {
      const code = error instanceof RoutingError ? error.code : "node_unavailable";
      this.#send({ ...answer, error: { code, message: (error as Error).message } });
    }
  }

  /**
   * Sends this node's heartbeat and declares lost the nodes silent for 4 beats, but only while this
   * node hears its own: with Redis out of reach every node falls silent, and none is lost for it;
   * once it is back, the others have RECONNECT_GRACE_MS more.
   */
  #heartbeat(): void {
    this.#send({ from: this.node, kind: "alive" });
    const now = Date.now();
    this.#flushHeld(now);
    const silentMs = 4 * this.#heartbeatMs;
    const selfSilentMs = now - this.#heardSelf;
    if (selfSilentMs > silentMs) {
      this.#healthySince = 0;
      return;
    }
    if (this.#healthySince === 0) this.#healthySince = now;
    // Others are judged only while this node hears itself well within the time they are given: at
    // the start of an outage, its own last beat may be a little younger than theirs.
    if (selfSilentMs > 2 * this.#heartbeatMs) return;
    for (const [node, seen] of this.#seen) {
      // After this node's own silence (Redis away), the others get time to reconnect before they are judged.
      if (now - Math.max(seen, this.#healthySince + RECONNECT_GRACE_MS) <= silentMs) continue;
      this.#seen.delete(node);
      this.lost$.next(node);
    }
  }
}
