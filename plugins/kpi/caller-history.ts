// Who called when, for the repeat-caller KPI: each caller's call start times for a window (7 days),
// in memory, optionally kept in a JSON file so a restart does not forget them. Callers are kept as
// salted SHA-256 digests of their number, never the number itself. Without a configured salt, a
// random one is made and kept in the file beside the digests: phone numbers are few enough that an
// unsalted (or publicly salted) digest of every one of them can be computed, which would name the
// callers of a stolen file.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** How a caller history is kept. */
export interface CallerHistoryOptions {
  /** How far back a call makes the next one a repeat, ms. */
  windowMs: number;
  /** JSON file the history is loaded from and saved to at each call; none: memory only. */
  file?: string;
  /** Mixed into each digest, so the file does not reveal numbers by a dictionary of them; default: a random salt kept in the file (per process without one). */
  salt?: string;
}

/** The file's content: the salt of the digests (when none is configured), and caller digest to call start times (ms since the epoch). */
interface Stored {
  salt?: string;
  calls: Record<string, number[]>;
}

/** Callers' recent call starts; `record` says whether a call repeats one within the window. */
export class CallerHistory {
  readonly #calls = new Map<string, number[]>();
  #salt: string;

  constructor(readonly options: CallerHistoryOptions) {
    this.#salt = options.salt || randomBytes(32).toString("hex");
    if (options.file) this.#load(options.file);
  }

  /** Records a call of `caller` started at `startedAt`; true when the same caller called in the window before it. */
  record(caller: string, startedAt: number): boolean {
    const key = createHash("sha256").update(`${this.#salt}\u0000${caller}`).digest("hex");
    const from = startedAt - this.options.windowMs;
    const earlier = (this.#calls.get(key) ?? []).filter((at) => at >= from);
    const repeat = earlier.some((at) => at <= startedAt);
    this.#calls.set(key, [...earlier, startedAt]);
    this.#prune(startedAt);
    if (this.options.file) this.#save(this.options.file);
    return repeat;
  }

  /** Callers known (within the window of the latest call). */
  get size(): number {
    return this.#calls.size;
  }

  /** Forgets calls older than the window before `now`. */
  #prune(now: number): void {
    const from = now - this.options.windowMs;
    for (const [key, times] of this.#calls) {
      const kept = times.filter((at) => at >= from);
      if (kept.length === 0) this.#calls.delete(key);
      else if (kept.length !== times.length) this.#calls.set(key, kept);
    }
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    let stored: Stored;
    try {
      stored = JSON.parse(text) as Stored;
    } catch (error) {
      throw new Error(`the caller history file ${file} is not JSON (${(error as Error).message}): fix or remove it`);
    }
    if (typeof stored?.calls !== "object" || stored.calls === null) throw new Error(`the caller history file ${file} has no "calls": fix or remove it`);
    // Digests made with the file's own salt only match under it; a configured salt replaces it and starts afresh.
    if (!this.options.salt && typeof stored.salt === "string" && stored.salt) this.#salt = stored.salt;
    else if (this.options.salt && stored.salt) return;
    for (const [key, times] of Object.entries(stored.calls)) {
      if (Array.isArray(times)) this.#calls.set(key, times.filter((at) => typeof at === "number" && Number.isFinite(at)));
    }
  }

  /** Writes the whole history to a temporary file and renames it over the old one: a crash leaves one or the other, never half. */
  #save(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.tmp`;
    const stored: Stored = { ...(this.options.salt ? {} : { salt: this.#salt }), calls: Object.fromEntries(this.#calls) };
    writeFileSync(temporary, JSON.stringify(stored), { mode: 0o600 });
    renameSync(temporary, file);
  }
}
