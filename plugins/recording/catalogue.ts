// The finished recordings in a folder, as summaries to list and filter: a recording is finished
// once its metadata document exists (files.ts), so one in progress is never listed or served.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingDocument } from "./document.ts";

/** How a recorded call ended, read from its kept events. */
export type Disposition = "answered" | "abandoned" | "overflowed" | "escalated" | "bot";

/** One finished recording, as the list API gives it. */
export interface RecordingSummary {
  id: string;
  /** ms since the epoch. */
  start: number;
  end: number;
  durationMs: number;
  complete: boolean;
  /** Queues the call entered. */
  queues: string[];
  /** Agents who answered it. */
  agents: string[];
  disposition: Disposition;
  /** The audio file's name in the folder. */
  audioFile: string;
  /** The audio is encrypted for a public key (download gives the encrypted file, for `parley recording decrypt`). */
  encrypted: boolean;
}

/** What a list request may narrow by; every field is optional. */
export interface RecordingFilter {
  /** Recordings that started at or after, ms since the epoch. */
  from?: number;
  /** Recordings that started before, ms since the epoch. */
  to?: number;
  queue?: string;
  agent?: string;
  disposition?: Disposition;
}

const DOCUMENT = /^[A-Za-z0-9._-]+\.json$/;

/** The summary of a recording from its metadata document. */
export function summarise(document: RecordingDocument): RecordingSummary {
  const queues = new Set<string>();
  const agents = new Set<string>();
  const seen = new Set<string>();
  for (const event of document.events) {
    const type = String(event.type);
    seen.add(type);
    if (typeof event.queueId === "string") queues.add(event.queueId);
    if (type === "queue.answered" && typeof event.agentId === "string") agents.add(event.agentId);
  }
  return {
    id: document.id,
    start: document.start,
    end: document.end,
    durationMs: document.durationMs,
    complete: document.complete,
    queues: [...queues],
    agents: [...agents],
    disposition: dispositionOf(seen),
    audioFile: document.audio.file,
    encrypted: document.audio.encryption !== undefined,
  };
}

/** The last word on how a call ended: an agent took it; else it was given up or sent away; else the bot kept it or passed it on. */
function dispositionOf(types: ReadonlySet<string>): Disposition {
  if (types.has("queue.answered")) return "answered";
  if (types.has("queue.abandoned")) return "abandoned";
  if (types.has("queue.overflowed")) return "overflowed";
  if (types.has("route.request") || types.has("queue.entered")) return "escalated";
  return "bot";
}

/** Whether `summary` passes `filter`. */
export function matches(summary: RecordingSummary, filter: RecordingFilter): boolean {
  return (filter.from === undefined || summary.start >= filter.from) &&
    (filter.to === undefined || summary.start < filter.to) &&
    (filter.queue === undefined || summary.queues.includes(filter.queue)) &&
    (filter.agent === undefined || summary.agents.includes(filter.agent)) &&
    (filter.disposition === undefined || summary.disposition === filter.disposition);
}

/** Reads one recording's document; undefined when it is not (yet) finished or unreadable. */
export async function readDocument(directory: string, id: string): Promise<RecordingDocument | undefined> {
  try {
    return JSON.parse(await readFile(join(directory, `${id}.json`), "utf8")) as RecordingDocument;
  } catch {
    return undefined;
  }
}

/** Every finished recording in `directory`, oldest first. A document that does not parse is skipped. */
export async function listRecordings(directory: string): Promise<RecordingSummary[]> {
  const names = (await readdir(directory)).filter((name) => DOCUMENT.test(name));
  const documents = await Promise.all(names.map((name) => readDocument(directory, name.slice(0, -".json".length))));
  return documents.filter((document): document is RecordingDocument => document?.version === 1).map(summarise).sort((a, b) => a.start - b.start);
}
