// A small durable outbox for webhook deliveries: each record is a file in `outbox/` (written to a
// temporary name, synced, renamed, so a crash leaves the old file or the new one, never half of
// one) until the receiver answers 2xx. Failures are retried with exponential backoff and jitter;
// after the last attempt the file moves to `dead-letter/`. A new outbox on the same directory
// resumes what is pending, so a record survives a restart of the server.
import { open, mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/mod.ts";
import { SIGNATURE_HEADER, signPayload } from "./signature.ts";

/** Where and how the outbox delivers. */
export interface OutboxOptions {
  /** Root folder: pending records in `outbox/`, given-up ones in `dead-letter/`. */
  directory: string;
  url: string;
  /** The HMAC-SHA256 key of the signature header. */
  secret: string;
  /** Attempts before a record goes to the dead-letter folder (the first included). */
  maxAttempts: number;
  /** Wait before the second attempt, ms; doubled for each further one, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** An attempt without an answer within this many ms failed. */
  timeoutMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

/** What the outbox reports, for metrics. */
export interface OutboxObserver {
  /** One attempt ended: `delivered` (2xx), `rejected` (another status), `unreachable` (no answer). */
  attempted(result: "delivered" | "rejected" | "unreachable", seconds: number): void;
  /** A record gave up after its last attempt. */
  deadLettered(): void;
}

/** A pending delivery as kept on disk. */
export interface OutboxEntry {
  id: string;
  /** ms since the epoch. */
  createdAt: number;
  attempts: number;
  /** When the next attempt is due, ms since the epoch. */
  nextAttemptAt: number;
  lastError?: string;
  /** The exact bytes sent (and signed). */
  body: string;
}

/** The delay before attempt `attempts + 1`: exponential, capped, with half of it random ("equal jitter"). */
export function backoffMs(attempts: number, initialDelayMs: number, maxDelayMs: number, random = Math.random): number {
  const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(delay / 2 + random() * (delay / 2));
}

/** Writes `data` to `path` so that a crash leaves either the old file or the new one. */
async function writeDurably(path: string, data: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w");
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncFolder(join(path, ".."));
}

/** Syncs a folder so a rename in it survives a power cut (where the platform can open folders). */
async function syncFolder(path: string): Promise<void> {
  try {
    const folder = await open(path, "r");
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // Not every platform lets a folder be opened for sync; the rename itself is still atomic.
  }
}

/** What an attempt cut short by `close` returns: no verdict, the record stays as it was. */
const CLOSING = Symbol("closing");

/** A file name safe for any id. */
function fileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}

/** The webhook outbox: `add` a record, it is delivered (again after a restart) or dead-lettered. */
export class WebhookOutbox {
  readonly #pending: string;
  readonly #dead: string;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #ready: string[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #closed = false;

  constructor(readonly options: OutboxOptions, readonly log: Logger, readonly observer: OutboxObserver) {
    this.#pending = join(options.directory, "outbox");
    this.#dead = join(options.directory, "dead-letter");
  }

  /** Creates the folders and schedules every pending record left by an earlier run (due at the latest after `initialDelayMs`); returns their ids. */
  async start(): Promise<string[]> {
    await mkdir(this.#pending, { recursive: true });
    await mkdir(this.#dead, { recursive: true });
    const resumed: string[] = [];
    for (const name of (await readdir(this.#pending)).sort()) {
      const path = join(this.#pending, name);
      if (name.endsWith(".tmp")) {
        // A write a crash interrupted: the record it was replacing (if any) is still there.
        await unlink(path).catch(() => {});
        continue;
      }
      if (!name.endsWith(".json")) continue;
      const entry = await this.#read(path);
      if (!entry) continue;
      resumed.push(entry.id);
      // A restart tries again soon (one attempt each, counted): the receiver may well be back.
      this.#schedule(name, Math.min(Number.isFinite(entry.nextAttemptAt) ? entry.nextAttemptAt : 0, Date.now() + this.options.initialDelayMs));
    }
    return resumed;
  }

  /** Keeps a record on disk and delivers it as soon as it can. */
  async add(id: string, body: string): Promise<void> {
    if (this.#closed) throw new Error("the outbox is closed");
    const name = fileName(id);
    const now = Date.now();
    await writeDurably(join(this.#pending, name), JSON.stringify({ id, createdAt: now, attempts: 0, nextAttemptAt: now, body } satisfies OutboxEntry));
    this.#schedule(name, now);
  }

  /** Records waiting for delivery (scheduled or in flight). */
  get size(): number {
    return this.#timers.size + this.#ready.length + this.#inFlight.size;
  }

  /** Stops delivering: timers cleared, attempts in flight cancelled (their records stay on disk for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#ready.length = 0;
    this.#closing.abort();
    await Promise.all(this.#inFlight);
  }

  #schedule(name: string, at: number): void {
    if (this.#closed || this.#timers.has(name)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      this.#ready.push(name);
      this.#pump();
    }, Math.max(0, at - Date.now()));
    this.#timers.set(name, timer);
  }

  #pump(): void {
    while (!this.#closed && this.#ready.length > 0 && this.#inFlight.size < this.options.concurrency) {
      const name = this.#ready.shift()!;
      const attempt = this.#attempt(name).catch((error) => this.log.error({ err: error, record: name }, "post-call outbox failed"));
      const tracked = attempt.finally(() => {
        this.#inFlight.delete(tracked);
        this.#pump();
      });
      this.#inFlight.add(tracked);
    }
  }

  async #read(path: string): Promise<OutboxEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(path, "utf8")) as OutboxEntry;
      if (typeof entry.id === "string" && typeof entry.body === "string" && Number.isInteger(entry.attempts)) return entry;
    } catch (error) {
      // Removed by hand since it was scheduled: nothing to deliver.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    }
    this.log.warn({ file: path }, "unreadable post-call outbox file moved to the dead-letter folder");
    await rename(path, join(this.#dead, `${path.split(/[\\/]/).at(-1)}.unreadable`)).catch(() => {});
    return undefined;
  }

  async #attempt(name: string): Promise<void> {
    const path = join(this.#pending, name);
    const entry = await this.#read(path);
    if (!entry) return;
    const started = performance.now();
    const failure = await this.#post(entry);
    const seconds = (performance.now() - started) / 1000;
    if (failure === CLOSING) return;
    if (failure === undefined) {
      this.observer.attempted("delivered", seconds);
      await unlink(path);
      this.log.debug({ record: entry.id, attempts: entry.attempts + 1 }, "post-call record delivered");
      return;
    }
    this.observer.attempted(failure.startsWith("HTTP") ? "rejected" : "unreachable", seconds);
    const attempts = entry.attempts + 1;
    const next: OutboxEntry = { ...entry, attempts, lastError: failure, nextAttemptAt: Date.now() + backoffMs(attempts, this.options.initialDelayMs, this.options.maxDelayMs) };
    await writeDurably(path, JSON.stringify(next));
    if (attempts >= this.options.maxAttempts) {
      await rename(path, join(this.#dead, name));
      await syncFolder(this.#dead);
      this.observer.deadLettered();
      this.log.error({ record: entry.id, attempts, lastError: failure }, "post-call record moved to the dead-letter folder");
      return;
    }
    this.log.warn({ record: entry.id, attempts, lastError: failure }, "post-call delivery failed; will retry");
    this.#schedule(name, next.nextAttemptAt);
  }

  /** One POST; undefined when the receiver took it (2xx), else why not. */
  async #post(entry: OutboxEntry): Promise<string | undefined | typeof CLOSING> {
    try {
      const response = await fetch(this.options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signPayload(this.options.secret, entry.body, Math.floor(Date.now() / 1000)),
          "Parley-Delivery": entry.id,
          "Parley-Attempt": String(entry.attempts + 1),
        },
        body: entry.body,
        signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      if (this.#closing.signal.aborted) return CLOSING;
      return error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    }
  }
}
