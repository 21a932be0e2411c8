/**
 * Admits inbound audio at most at real time plus a burst: a token bucket whose tokens are
 * milliseconds of media, refilled by the wall clock and never holding more than the burst. Unlike a
 * bound on how far media time runs ahead of the first packet, a peer that pauses earns no credit
 * beyond the burst, so it cannot save up a minute of silence and then push a minute of audio at once.
 */
export class MediaTokenBucket {
  #tokensMs: number;
  #lastRefillMs?: number;

  constructor(readonly burstMs: number) {
    this.#tokensMs = burstMs;
  }

  /** Takes `durationMs` of media from the bucket if it holds that much; false (nothing taken) if not. */
  take(durationMs: number, nowMs = performance.now()): boolean {
    if (this.#lastRefillMs !== undefined) this.#tokensMs = Math.min(this.burstMs, this.#tokensMs + (nowMs - this.#lastRefillMs));
    this.#lastRefillMs = nowMs;
    if (durationMs > this.#tokensMs) return false;
    this.#tokensMs -= durationMs;
    return true;
  }
}
