// The process's memory as bench:load reports it: RSS and where V8 says it is (heap, external,
// ArrayBuffers), sampled before the first call and through the run, so a figure per caller can be
// told from what the process loads once.

const MB = 1024 * 1024;

/** process.memoryUsage() in MB (one decimal). Deno reports no arrayBuffers (0). */
export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

function mb(bytes: number | undefined): number {
  return Math.round(((bytes ?? 0) / MB) * 10) / 10;
}

/** The process's memory now. */
export function memorySample(): MemorySample {
  const usage = process.memoryUsage();
  return { rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external), arrayBuffersMb: mb(usage.arrayBuffers) };
}

/** Samples memory every `intervalMs` and keeps the largest RSS seen. */
export class PeakMemory {
  #peak: MemorySample = memorySample();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(intervalMs = 1000) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref?.();
  }

  /** Memory now, which also counts towards the peak. */
  sample(): MemorySample {
    const now = memorySample();
    if (now.rssMb > this.#peak.rssMb) this.#peak = now;
    return now;
  }

  /** The sample with the largest RSS so far, this instant's included. */
  peak(): MemorySample {
    this.sample();
    return this.#peak;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
  }
}

/**
 * RSS growth per caller between a sample before the first call and one with `callers` calls
 * running, MB (two decimals): the figure the issue bounds at 2 MB per speaking caller.
 */
export function perCallerMb(before: MemorySample, during: MemorySample, callers: number): number {
  return Math.round(((during.rssMb - before.rssMb) / callers) * 100) / 100;
}
