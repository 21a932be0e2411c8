// A running estimate over the recent past of a call: the speech-weighted mean of per-utterance
// score vectors whose utterances ended within a window of media time. Longer utterances count
// more, and what the caller said a minute ago stops counting.

/** The estimate at one moment. */
export interface RollingValue {
  /** Weighted mean of each score (empty weight gives zeros). */
  readonly values: Float64Array;
  /** Total weight (speech ms) inside the window. */
  readonly weight: number;
  /** Media time of the start of the oldest utterance counted, ms (NaN when none). */
  readonly sinceMs: number;
}

/** Speech-weighted mean of score vectors over a sliding window of media time. */
export class RollingEstimate {
  readonly #entries: { startMs: number; endMs: number; weight: number; values: Float64Array }[] = [];

  /** An estimate of vectors of `size` scores over the last `windowMs` of media time. */
  constructor(readonly size: number, readonly windowMs: number) {}

  /** Adds an utterance's scores, weighted by `weight` (its speech, ms). */
  add(startMs: number, endMs: number, weight: number, values: ArrayLike<number>): void {
    this.#entries.push({ startMs, endMs, weight, values: Float64Array.from(values) });
  }

  /** The estimate at media time `nowMs`, forgetting what ended before the window. */
  at(nowMs: number): RollingValue {
    const entries = this.#entries;
    while (entries.length > 0 && entries[0]!.endMs < nowMs - this.windowMs) entries.shift();
    const values = new Float64Array(this.size);
    let weight = 0;
    for (const entry of entries) {
      weight += entry.weight;
      for (let k = 0; k < this.size; k++) values[k] = values[k]! + entry.weight * entry.values[k]!;
    }
    if (weight > 0) for (let k = 0; k < this.size; k++) values[k] = values[k]! / weight;
    return { values, weight, sinceMs: entries[0]?.startMs ?? Number.NaN };
  }
}
