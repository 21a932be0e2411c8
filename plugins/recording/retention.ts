// Retention: finished recordings older than the configured number of days are deleted, audio and
// metadata together. A recording in progress has no metadata document yet and is never touched.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { listRecordings, type RecordingSummary } from "./catalogue.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes a finished recording's files: the document first, so a half-done delete never leaves a listed recording without its audio. */
export async function deleteRecording(directory: string, summary: RecordingSummary): Promise<void> {
  await rm(join(directory, `${summary.id}.json`), { force: true });
  await rm(join(directory, summary.audioFile), { force: true });
}

/** Deletes every finished recording that ended more than `days` days before `now`; resolves with their ids. */
export async function sweepExpired(directory: string, days: number, now = Date.now()): Promise<string[]> {
  const expired = (await listRecordings(directory)).filter((summary) => summary.end < now - days * DAY_MS);
  for (const summary of expired) await deleteRecording(directory, summary);
  return expired.map((summary) => summary.id);
}
