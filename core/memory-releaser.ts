// Keeps a busy server's resident memory near what it uses. The C heap (V8's off-heap buffers, the
// runtime's HTTP and socket buffers, codecs, recognisers) is freed into glibc's arenas, which
// return to the system only what lies at their top: under Deno 20,000 hostile requests left RSS
// 200-530 MB above its baseline for good, while V8's own heap after a collection had grown by
// 5 MB; one malloc_trim brought RSS below the baseline. So every few seconds, unless RSS is already
// near the lowest it has been after a release, the freed memory is given back on a pool thread.
// Growth alone is no trigger: memory is freed when sessions end, after RSS stopped growing.
import { canReleaseFreedMemory, releaseFreedMemoryOffThread } from "./release-memory.ts";

/** When the releaser looks and what growth makes it release. */
export interface MemoryReleaserOptions {
  intervalMs: number;
  /** How far above the lowest RSS after a release the process must be for another release. */
  minGrowthBytes: number;
}

/** Where the releaser counts its work. */
export interface MemoryReleaseCounters {
  readonly memoryReleases: { inc(value?: number): void };
  readonly memoryReleasedBytes: { inc(value?: number): void };
}

/** The process's resident set size, in bytes. */
function residentBytes(): number {
  return process.memoryUsage.rss?.() ?? process.memoryUsage().rss;
}

/** Gives freed C-heap memory back to the system periodically while RSS is above its low point; a no-op where the C library cannot. */
export class MemoryReleaser {
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  /** The lowest RSS seen right after a release (none yet: the first tick releases). */
  #floor: number | undefined;
  #releasing = false;

  constructor(options: MemoryReleaserOptions, counters: MemoryReleaseCounters) {
    if (options.intervalMs <= 0 || !canReleaseFreedMemory()) return;
    this.#timer = setInterval(() => {
      const before = residentBytes();
      if (this.#releasing || (this.#floor !== undefined && before < this.#floor + options.minGrowthBytes)) return;
      this.#releasing = true;
      void releaseFreedMemoryOffThread().then(() => {
        this.#releasing = false;
        const after = residentBytes();
        this.#floor = Math.min(this.#floor ?? after, after);
        counters.memoryReleases.inc();
        counters.memoryReleasedBytes.inc(Math.max(0, before - after));
      });
    }, options.intervalMs);
    // A server that has nothing else to do must still be able to exit.
    this.#timer.unref?.();
  }

  /** Stops looking; a release under way finishes on its own. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
