// What makes a bench:load run pass at its caller count, and the search for the largest count
// that passes. Pure: the runs themselves are load-series.ts's.
import type { LoadProfile } from "./load-args.ts";

/** Packet-to-subscriber p99 a passing run stays under, ms (issue 11). */
export const P99_LIMIT_MS = 5;
/** Server CPU a passing run stays under, % of one core: capacity is counted per core. */
export const CPU_LIMIT_PERCENT = 100;
/**
 * Recognizer profile: the p99 (bucket bound) the final transcripts must arrive within after the
 * turn ends, ms: the voice bot's result timeout, after which a turn counts as not understood.
 */
export const FINAL_P99_LIMIT_MS = 5000;

/** One run's figures in a capacity table. */
export interface CapacityRow {
  callers: number;
  cpuPercent: number;
  p50Ms: number;
  p99Ms: number;
  lagP99Ms: number;
  framesMissing: number;
  packetsLost: number;
  openFailures: number;
  rssBeforeMb: number;
  rssDuringMb: number;
  rssPerCallerMb: number;
  /** Recognizer profile: what the recogniser produced; null where it is not judged. */
  recognition: { errors: number; errorsByReason: Record<string, number>; transcripts: number; finalP99AtMostMs: number | null } | null;
}

/** Why the run fails at its count (empty when it passes): for the plain and default profiles p99, loss and CPU; for the recognizer profile its errors and finals. */
export function capacityFailures(row: CapacityRow, profile: LoadProfile): string[] {
  const why: string[] = [];
  if (row.openFailures > 0) why.push(`${row.openFailures} calls failed to open`);
  if (profile === "recognizer") {
    const r = row.recognition;
    if (!r) return [...why, "no recognition figures"];
    if (r.errors > 0) why.push(`${r.errors} asr errors ${JSON.stringify(r.errorsByReason)}`);
    if (r.transcripts < row.callers) why.push(`${r.transcripts} finals for ${row.callers} callers`);
    if (r.finalP99AtMostMs === null || r.finalP99AtMostMs > FINAL_P99_LIMIT_MS) why.push(`final p99 beyond ${FINAL_P99_LIMIT_MS} ms`);
    return why;
  }
  if (!(row.p99Ms < P99_LIMIT_MS)) why.push(`p99 ${row.p99Ms} ms`);
  if (row.framesMissing > 0 || row.packetsLost > 0) why.push(`loss: ${row.framesMissing} frames missing, ${row.packetsLost} packets lost`);
  if (!(row.cpuPercent < CPU_LIMIT_PERCENT)) why.push(`CPU ${row.cpuPercent}% of a core`);
  return why;
}

/** How the search steps. */
export interface SearchOptions {
  /** Counts are multiples of this (and the answer is exact to it). */
  step: number;
  /** Largest count tried. */
  max: number;
}

/**
 * The largest count that passes, or 0 when even `step` fails: doubles from `start` while runs
 * pass (up to `max`), then halves the interval between the last pass and the first failure down
 * to `step`. Assumes a count passes when a larger one does, as load does, up to noise; every run
 * costs a minute, so it tries each count once.
 */
export async function searchCapacity(start: number, passes: (count: number) => Promise<boolean>, options: SearchOptions): Promise<number> {
  const step = options.step;
  const max = Math.max(step, Math.floor(options.max / step) * step);
  let good = 0;
  let bad = 0;
  for (let count = Math.min(max, Math.max(step, Math.round(start / step) * step)); bad === 0; count = Math.min(max, count * 2)) {
    if (!(await passes(count))) bad = count;
    else if (count === max) return max;
    else good = count;
  }
  while (bad - good > step) {
    const middle = good + Math.floor((bad - good) / 2 / step) * step;
    if (await passes(middle)) good = middle;
    else bad = middle;
  }
  return good;
}
