// The post-call records kept for reading back (`GET /v1/postcall`): each built record is also
// written to `records/<callId>.json` (temporary name, then rename, so a reader never sees half a
// file), and only the newest `keep` are kept. A summary of each kept record stays in memory (a few
// hundred bytes each) so the list needs no disk reads; the records themselves are read on demand.
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PostCallRecord } from "./record.ts";

/** One kept record, as the list gives it. */
export interface RecordSummary {
  callId: string;
  /** ms since the epoch. */
  start: number;
  end: number;
  durationMs: number;
  disposition: PostCallRecord["summary"]["facts"]["disposition"];
  intent?: string;
  queues: string[];
  /** Agents who answered the call. */
  agents: string[];
  /** Time waiting in queues, ms. */
  queueMs: number;
  /** The call's length, ms (the record's handle time). */
  handleMs: number;
  score: number | null;
  recordingId?: string;
}

const ID = /^[A-Za-z0-9._-]+$/;

/** The file name of a call's record (ids are session ids; anything else is made safe). */
function fileName(callId: string): string {
  return `${callId.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}

/** The list summary of a record. */
export function summariseRecord(record: PostCallRecord): RecordSummary {
  const facts = record.summary.facts;
  return {
    callId: record.callId,
    start: record.start,
    end: record.end,
    durationMs: record.durationMs,
    disposition: facts.disposition,
    ...(facts.intent ? { intent: facts.intent } : {}),
    queues: facts.queues,
    agents: [...new Set(facts.agents.map((part) => part.agentId))],
    queueMs: facts.queueMs,
    handleMs: record.measures.handleMs,
    score: record.scorecard.score,
    ...(facts.recordingId ? { recordingId: facts.recordingId } : {}),
  };
}

/** The kept records of a folder, newest `keep` of them. */
export class RecordStore {
  readonly #folder: string;
  /** By call id, in the order kept (oldest first). */
  readonly #summaries = new Map<string, RecordSummary>();

  constructor(directory: string, readonly keep: number) {
    this.#folder = join(directory, "records");
  }

  /** Creates the folder and indexes the records an earlier run kept (unreadable files are skipped); returns how many. */
  async start(): Promise<number> {
    await mkdir(this.#folder, { recursive: true });
    const summaries: RecordSummary[] = [];
    for (const name of await readdir(this.#folder)) {
      if (name.endsWith(".tmp")) {
        await unlink(join(this.#folder, name)).catch(() => {});
        continue;
      }
      if (!name.endsWith(".json")) continue;
      const record = await this.#read(name);
      if (record) summaries.push(summariseRecord(record));
    }
    for (const summary of summaries.sort((a, b) => a.end - b.end)) this.#summaries.set(summary.callId, summary);
    await this.#prune();
    return this.#summaries.size;
  }

  /** Keeps `record` (replacing an earlier one of the same call), then drops the oldest beyond `keep`. */
  async add(record: PostCallRecord): Promise<void> {
    if (this.keep === 0) return;
    const path = join(this.#folder, fileName(record.callId));
    await writeFile(`${path}.tmp`, JSON.stringify(record));
    await rename(`${path}.tmp`, path);
    this.#summaries.delete(record.callId);
    this.#summaries.set(record.callId, summariseRecord(record));
    await this.#prune();
  }

  /** Summaries of the kept records, oldest first. */
  list(): RecordSummary[] {
    return [...this.#summaries.values()].sort((a, b) => a.start - b.start);
  }

  /** The summary of a kept record, or undefined. */
  summary(callId: string): RecordSummary | undefined {
    return this.#summaries.get(callId);
  }

  /** A kept record, or undefined when there is none (or the id is not a plausible one). */
  async get(callId: string): Promise<PostCallRecord | undefined> {
    if (!ID.test(callId) || !this.#summaries.has(callId)) return undefined;
    return this.#read(fileName(callId));
  }

  async #read(name: string): Promise<PostCallRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(join(this.#folder, name), "utf8")) as PostCallRecord;
      return record?.version === 1 && typeof record.callId === "string" ? record : undefined;
    } catch {
      return undefined;
    }
  }

  async #prune(): Promise<void> {
    while (this.#summaries.size > this.keep) {
      const oldest = this.#summaries.keys().next().value!;
      this.#summaries.delete(oldest);
      await unlink(join(this.#folder, fileName(oldest))).catch(() => {});
    }
  }
}
