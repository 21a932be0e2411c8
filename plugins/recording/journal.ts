// The recording's journal: what is known about the call, one JSON line at a time, appended beside
// the WAV as it happens and synced with it. A crash leaves at worst a torn last line; the journal
// up to there is enough to build the recording's metadata document (document.ts).
import { type FileHandle, open } from "node:fs/promises";
import type { MaskReason } from "./masker.ts";
import type { EventSealing, SealedEvent } from "./sealed-events.ts";

/** Who takes part in a recorded call: the leg recorded, and each party bridged to it. */
export type ParticipantRole = "caller" | "peer";

/** One line of the journal. */
export type JournalEntry =
  | {
    kind: "start";
    at: number;
    id: string;
    sampleRate: number;
    transport: string;
    codec: string;
    remote?: string;
    metadata: Record<string, string>;
    /** How the events are sealed, when the recording is encrypted. */
    sealing?: EventSealing;
  }
  | { kind: "join"; at: number; participant: string; role: ParticipantRole; bridgeId?: string; conferenceId?: string }
  | { kind: "leave"; at: number; participant: string; reason?: string }
  /** A kept event: in the clear, or (encrypted recordings) sealed, with a plain copy of a routing event. */
  | { kind: "event"; at: number; event?: Record<string, unknown>; sealed?: SealedEvent }
  | { kind: "end"; at: number; reason: string; durationMs: number }
  /** A masked stretch begins (ms in the recording's timeline); `endMs` when its end is known already (a keypad tone). */
  | { kind: "mask"; at: number; id: number; reason: MaskReason; startMs: number; endMs?: number }
  /** The masked stretch `id` ends. */
  | { kind: "unmask"; at: number; id: number; endMs: number };

/** Appends journal lines in the background: `write` queues, `flush` appends what is queued and syncs it. */
export class JournalWriter {
  #pending: string[] = [];
  #bytes = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;

  /** The file, once created; a failure surfaces at the next flush. */
  readonly #file: Promise<FileHandle>;

  /** Creates (or replaces) the journal at `path` in the background. */
  constructor(readonly path: string) {
    this.#file = open(path, "w");
    this.#file.catch(() => {});
  }

  /** Lines queued and not yet written. */
  get pendingLines(): number {
    return this.#pending.length;
  }

  /** Queues one entry. */
  write(entry: JournalEntry): void {
    if (!this.#closed) this.#pending.push(JSON.stringify(entry) + "\n");
  }

  /** Appends what is queued and syncs it; resolves when that is on disk. */
  flush(): Promise<void> {
    const running = this.#flushing;
    if (running) return running.then(() => this.flush());
    if (this.#pending.length === 0) return Promise.resolve();
    const text = this.#pending.join("");
    this.#pending = [];
    const flushing = (async () => {
      const file = await this.#file;
      const bytes = new TextEncoder().encode(text);
      await file.write(bytes, 0, bytes.length, this.#bytes);
      this.#bytes += bytes.length;
      await file.datasync();
    })().finally(() => {
      if (this.#flushing === flushing) this.#flushing = undefined;
    });
    this.#flushing = flushing;
    return flushing;
  }

  /** Flushes the rest and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    await (await this.#file).close();
  }
}

/** The entries of a journal's text; a torn or unreadable line (a crash mid-write) and what follows it are left out. */
export function parseJournal(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry = JSON.parse(line) as JournalEntry;
      if (!entry || typeof entry !== "object" || typeof entry.kind !== "string" || typeof entry.at !== "number") break;
      entries.push(entry);
    } catch {
      break;
    }
  }
  return entries;
}
