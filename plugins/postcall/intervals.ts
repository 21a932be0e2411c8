// Arithmetic on sets of time intervals (half-open [start, end), ms): what talk, silence and
// overtalk are measured with.

/** A stretch of time, ms. */
export interface Interval {
  start: number;
  end: number;
}

/** The intervals merged where they touch or overlap, sorted, empty ones dropped. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** Total length, ms (overlaps counted once). */
export function total(intervals: readonly Interval[]): number {
  return union(intervals).reduce((sum, i) => sum + i.end - i.start, 0);
}

/** The time covered by both sets. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const x = union(a);
  const y = union(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const start = Math.max(x[i]!.start, y[j]!.start);
    const end = Math.min(x[i]!.end, y[j]!.end);
    if (end > start) out.push({ start, end });
    if (x[i]!.end < y[j]!.end) i++;
    else j++;
  }
  return out;
}

/** The time of `a` not covered by `b`. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const cut = union(b);
  const out: Interval[] = [];
  for (const interval of union(a)) {
    let start = interval.start;
    for (const c of cut) {
      if (c.end <= start || c.start >= interval.end) continue;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
    }
    if (start < interval.end) out.push({ start, end: interval.end });
  }
  return out;
}

/**
 * The longest run of `own` speech with nobody in `others` speaking: the stretches where only this
 * party talks, joined across pauses of at most `maxPauseMs` in which nobody else speaks.
 */
export function longestRun(own: readonly Interval[], others: readonly Interval[], maxPauseMs: number): number {
  const interrupting = union(others);
  let longest = 0;
  let run: Interval | undefined;
  for (const piece of subtract(own, interrupting)) {
    const pause = run && { start: run.end, end: piece.start };
    if (run && pause && pause.end - pause.start <= maxPauseMs && intersect([pause], interrupting).length === 0) run.end = piece.end;
    else run = { ...piece };
    longest = Math.max(longest, run.end - run.start);
  }
  return longest;
}
