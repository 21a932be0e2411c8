// The primary of a host that runs its sessions in several processes (shards, shard.ts), one per
// core by default. It runs no session and no plugin: it owns the public HTTP port, starts the
// shards on slices of the port ranges, and forwards each request to a shard: a new call (plain RTP,
// WHIP, a WebSocket) to the shard with the fewest sessions, a request that names a session to the
// shard that holds it, anything else to the first shard. Session lists, the event stream and the
// metrics are merged from every shard. Media never passes through it: the answer to a new call
// carries the shard's own port. Processes, not worker threads, because threads share V8's
// collector helpers (a busy thread's collections made the event loop wait: see the recording
// plugin's thread) and each process is also what a cluster node is.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import process from "node:process";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { type ParleyConfig, resolveConfig, type ResolvedConfig } from "../config.ts";
import { ParleyError } from "../errors.ts";
import { authorize, type AuthTokens } from "../http/auth.ts";
import { errorResponse } from "../http/HttpApi.ts";
import type { Logger } from "../log.ts";
import { mergedEvents, mergedSessions } from "./merged-endpoints.ts";
import { type PortRange, rangeText, splitPortRange } from "./port-ranges.ts";
import { type PrimaryMessage, SHARD_ENV, type ShardMessage, type ShardSetup } from "./protocol.ts";

/** How long a shard has to answer a metrics request before the scrape fails. */
const METRICS_TIMEOUT_MS = 5000;
/** How long after a shard died it is started again (a shard that dies at once is not restarted in a tight loop). */
const RESTART_DELAY_MS = 1000;
/** Longest wait between attempts to start a shard again that keeps failing to start (the delay doubles from RESTART_DELAY_MS). */
const MAX_RESTART_DELAY_MS = 30_000;
/** How long a shard has to get ready (load its plugins, listen) before listen() gives up on the host. */
const READY_TIMEOUT_MS = 120_000;
/** How long a stopping shard has to end its calls before it is killed. */
const STOP_TIMEOUT_MS = 10000;

/** What a primary is started with. */
export interface PrimaryOptions {
  /** The script each shard runs: it calls `runShard` with the server it builds (the plugins). */
  entry: string;
  /** How many shards (at least 1). */
  shards: number;
  /** The host's configuration: its HTTP port and host are the primary's, its port ranges are split between the shards. */
  config?: ParleyConfig;
  /** Where a dead shard is reported (nothing when absent). */
  log?: Logger;
  /** How long a shard has to get ready before listen() fails, ms; default 120000. */
  readyTimeoutMs?: number;
}

/** One shard as the primary sees it. */
interface Shard {
  readonly index: number;
  process?: ChildProcess;
  /** Its loopback HTTP port, once ready. */
  port?: number;
  ready: Promise<void>;
  sessions: Set<string>;
  /** New calls forwarded to it and not yet answered: counted for placement, so a burst spreads. */
  opening: number;
}

/** A host's primary: `await new Primary(options).listen()`, `close()` to stop the shards. */
export class Primary {
  readonly config: ResolvedConfig;
  readonly #options: PrimaryOptions;
  readonly #shards: Shard[];
  /** Which shard holds each session. */
  readonly #sessionShard = new Map<string, Shard>();
  readonly #metricsWaiting = new Map<number, (metrics: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  readonly #http: Server;
  readonly #tokens: AuthTokens;
  #nextRequest = 0;
  #closing = false;

  constructor(options: PrimaryOptions) {
    if (!Number.isInteger(options.shards) || options.shards < 1) throw new ParleyError("PARLEY_ERR_CONFIG", `the number of shards must be a whole number of at least 1, not ${options.shards}`);
    this.#options = options;
    this.config = resolveConfig(options.config);
    const { auth } = this.config;
    this.#tokens = { api: auth.tokens, metrics: auth.metricsTokens, supervisor: auth.supervisorTokens };
    const rtp = splitPortRange({ min: this.config.rtp.portMin, max: this.config.rtp.portMax }, options.shards);
    const { icePortMin, icePortMax } = this.config.webrtc;
    const ice = icePortMin === undefined || icePortMax === undefined ? undefined : splitPortRange({ min: icePortMin, max: icePortMax }, options.shards, "ICE");
    this.#shards = Array.from({ length: options.shards }, (_, index) => this.#start({ index, sessions: new Set(), opening: 0, ready: Promise.resolve() }, rtp[index]!, ice?.[index]));
    this.#http = createServer((request, response) => void this.#handle(request, response));
    this.#http.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => this.#upgrade(request, socket, head));
  }

  /** Waits for every shard, then listens on the configured HTTP port; a shard that fails to start stops them all. */
  async listen(): Promise<AddressInfo> {
    const timeoutMs = this.#options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A shard that hangs at start (a plugin that never finishes its setup) fails the host, as one that exits does.
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const waiting = this.#shards.filter((shard) => shard.port === undefined).map((shard) => shard.index);
        reject(new ParleyError("PARLEY_ERR_CONFIG", `shard ${waiting.join(", ")} did not get ready within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.#shards.map((shard) => shard.ready)), hung]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    await new Promise<void>((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(this.config.http.port, this.config.http.host, () => resolve());
    });
    return this.#http.address() as AddressInfo;
  }

  /** Sessions each shard holds, by shard. */
  sessionCounts(): number[] {
    return this.#shards.map((shard) => shard.sessions.size);
  }

  /** The process id of each shard (undefined while one is restarting). */
  shardProcessIds(): (number | undefined)[] {
    return this.#shards.map((shard) => (shard.port === undefined ? undefined : shard.process?.pid));
  }

  /** Stops taking requests, tells every shard to end its calls and exit, and waits for them. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#http.closeAllConnections();
    const closed = this.#http.listening ? new Promise<void>((resolve) => this.#http.close(() => resolve())) : Promise.resolve();
    await Promise.all(this.#shards.map((shard) => this.#stop(shard)));
    await closed;
  }

  #start(shard: Shard, rtp: PortRange, ice: PortRange | undefined): Shard {
    const base = this.#options.config ?? {};
    const config: ParleyConfig = {
      ...base,
      http: { ...base.http, host: "127.0.0.1", port: 0 },
      rtp: { ...base.rtp, ports: rangeText(rtp) },
      ...(ice && { webrtc: { ...base.webrtc, icePorts: rangeText(ice) } }),
    };
    const setup: ShardSetup = { index: shard.index, of: this.#options.shards, config };
    const runtime = "Deno" in globalThis ? ["run", "-A"] : process.execArgv;
    const child = spawn(process.execPath, [...runtime, this.#options.entry], { stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env, [SHARD_ENV]: JSON.stringify(setup) } });
    shard.process = child;
    shard.port = undefined;
    shard.ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: ShardMessage) => {
        if (message.type === "ready") {
          shard.port = message.port;
          resolve();
        } else this.#received(shard, message);
      });
      child.once("exit", (code, signal) => {
        const how = signal ?? `code ${code}`;
        // One that never got ready (a broken entry, a taken port) would only fail again: listen() reports it.
        if (shard.port === undefined) reject(new ParleyError("PARLEY_ERR_CONFIG", `shard ${shard.index} exited (${how}) before it was ready`));
        else this.#lost(shard, rtp, ice, how);
      });
    });
    return shard;
  }

  #received(shard: Shard, message: ShardMessage): void {
    if (message.type === "session") {
      if (message.open) {
        shard.sessions.add(message.id);
        this.#sessionShard.set(message.id, shard);
      } else {
        shard.sessions.delete(message.id);
        this.#sessionShard.delete(message.id);
      }
    } else if (message.type === "metrics") {
      this.#metricsWaiting.get(message.request)?.(message.metrics);
    }
  }

  /** A shard that was running exited: its calls are gone with it; unless the host is closing, it is started again on the same ports. */
  #lost(shard: Shard, rtp: PortRange, ice: PortRange | undefined, how: string): void {
    for (const id of shard.sessions) this.#sessionShard.delete(id);
    shard.sessions.clear();
    shard.port = undefined;
    if (this.#closing) return;
    this.#options.log?.error({ shard: shard.index, how }, "a shard exited; starting it again");
    this.#restart(shard, rtp, ice, 1);
  }

  /** Starts a lost shard again after a delay; one that fails to start is tried again, later each time. */
  #restart(shard: Shard, rtp: PortRange, ice: PortRange | undefined, attempt: number): void {
    setTimeout(() => {
      if (this.#closing) return;
      this.#start(shard, rtp, ice).ready.catch((error: unknown) => {
        if (this.#closing) return;
        this.#options.log?.error({ shard: shard.index, attempt, err: error }, "a shard failed to start again; trying later");
        this.#restart(shard, rtp, ice, attempt + 1);
      });
    }, Math.min(RESTART_DELAY_MS * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS));
  }

  async #stop(shard: Shard): Promise<void> {
    const child = shard.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    if (child.connected) child.send({ type: "stop" } satisfies PrimaryMessage);
    else child.kill("SIGTERM");
    await exited;
    clearTimeout(timer);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? "/", "http://primary");
      if (request.method === "GET" && url.pathname === "/metrics") return await this.#metrics(request, url, response);
      if (request.method === "GET" && url.pathname === "/v1/sessions") return await mergedSessions(this.#readyPorts(), request, response);
      if (request.method === "GET" && url.pathname === "/v1/events") return mergedEvents(this.#readyPorts(), request, response);
      const named = this.#shardNamedIn(url.pathname);
      if (named) return this.#forward(request, response, named, false);
      if (request.method === "POST" && (url.pathname === "/v1/rtp" || url.pathname === "/whip")) return this.#forward(request, response, this.#leastLoaded(), true);
      this.#forward(request, response, this.#shards[0]!, false);
    } catch (error) {
      await answerError(response, error);
    }
  }

  /** The shard holding a session whose id is one of the path's segments (`/v1/sessions/<id>`, `/whip/<id>`, a plugin's `/v1/calls/<id>/...`). */
  #shardNamedIn(path: string): Shard | undefined {
    for (const segment of path.split("/")) {
      const shard = this.#sessionShard.get(segment);
      if (shard) return shard;
    }
    return undefined;
  }

  /** The loopback ports of the shards that are running (at least one, or PARLEY_ERR_NOT_READY). */
  #readyPorts(): number[] {
    const ports = this.#shards.flatMap((shard) => (shard.port === undefined ? [] : [shard.port]));
    if (ports.length === 0) throw new ParleyError("PARLEY_ERR_NOT_READY", "no shard is running");
    return ports;
  }

  /** The ready shard with the fewest sessions, counting those being opened. */
  #leastLoaded(): Shard {
    const ready = this.#shards.filter((shard) => shard.port !== undefined);
    if (ready.length === 0) throw new ParleyError("PARLEY_ERR_NOT_READY", "no shard is running");
    return ready.reduce((best, shard) => (shard.sessions.size + shard.opening < best.sessions.size + best.opening ? shard : best));
  }

  /** Sends the request to `shard` as it came and its answer back as it comes; a new call's `Location` names the session it made there. */
  #forward(request: IncomingMessage, response: ServerResponse, shard: Shard, opensSession: boolean): void {
    if (shard.port === undefined) throw new ParleyError("PARLEY_ERR_NOT_READY", `shard ${shard.index} is restarting`);
    if (opensSession) shard.opening++;
    let counted = opensSession;
    const settle = () => {
      if (counted) shard.opening--;
      counted = false;
    };
    const upstream = httpRequest({ host: "127.0.0.1", port: shard.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      settle();
      const location = answer.headers.location;
      if (opensSession && answer.statusCode === 201 && location) {
        // The session's events come a moment later: a request naming it right after the answer must already find it.
        const id = location.split("/").at(-1)!;
        shard.sessions.add(id);
        this.#sessionShard.set(id, shard);
      }
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on("error", (error) => {
      settle();
      void answerError(response, new ParleyError("PARLEY_ERR_INTERNAL", `shard ${shard.index}: ${error.message}`));
    });
    response.on("close", () => upstream.destroy());
    request.pipe(upstream);
  }

  /** A WebSocket call: the upgrade goes to the least loaded shard, and the bytes both ways are passed through. */
  #upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    let shard: Shard;
    try {
      shard = this.#leastLoaded();
    } catch {
      socket.end("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    const upstream = connect(shard.port!, "127.0.0.1", () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", end);
    socket.on("error", end);
    upstream.on("close", end);
    socket.on("close", end);
  }

  /** Every shard's metrics in one exposition, each sample labelled with its `shard`. */
  async #metrics(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    authorize({ authorization: request.headers.authorization, url }, "metrics", this.#tokens);
    const perShard = await Promise.all(this.#shards.map((shard) => this.#shardMetrics(shard)));
    const labelled = perShard.map((metrics, index) => metrics.map((metric) => ({ ...metric, values: metric.values.map((value) => ({ ...value, labels: { ...value.labels, shard: String(index) } })) })));
    const registry = AggregatorRegistry.aggregate(labelled);
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType });
    response.end(text);
  }

  #shardMetrics(shard: Shard): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    const child = shard.process;
    if (shard.port === undefined || !child?.connected) return Promise.resolve([]);
    const request = ++this.#nextRequest;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#metricsWaiting.delete(request);
        reject(new ParleyError("PARLEY_ERR_INTERNAL", `shard ${shard.index} did not answer for its metrics`));
      }, METRICS_TIMEOUT_MS);
      this.#metricsWaiting.set(request, (metrics) => {
        clearTimeout(timer);
        this.#metricsWaiting.delete(request);
        resolve(metrics);
      });
      child.send({ type: "metrics", request } satisfies PrimaryMessage);
    });
  }
}

/** Writes a coded error as the API answers errors (a JSON body with its code). */
async function answerError(response: ServerResponse, error: unknown): Promise<void> {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const answer = errorResponse(error);
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => (headers[name] = value));
  response.writeHead(answer.status, headers);
  response.end(await answer.text());
}
