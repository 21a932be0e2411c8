// What a benchmark suite provides to bench/run.ts: named operations, each timed per call.

/** One measured operation. `run` does one call and returns a number derived from its result. */
export interface BenchCase {
  /** Stable id, used by the gates and in bench/results.json. */
  readonly name: string;
  /**
   * Calls timed together as one sample, so operations far below a microsecond are not lost in
   * the timer's own cost; the sample is the mean per call of the batch.
   */
  readonly batch: number;
  readonly run: () => number;
  /**
   * Makes the inputs of the next `calls` runs, outside the timed section: for inputs that cannot
   * be replayed, such as SRTP packets, whose index and authentication must advance every packet.
   */
  readonly prepare?: (calls: number) => void;
}

/** A group of cases sharing fixtures; `close` releases what they hold. */
export interface BenchSuite {
  readonly name: string;
  readonly cases: readonly BenchCase[];
  /** Figures beyond the per-call times (a breakdown), read after the run and kept in results.json under the suite's name. */
  report?(): unknown;
  close?(): void | Promise<void>;
}

/** What one sample of a batch reports to tinybench: the mean per call, and the real cost for its time budget. */
export interface BatchTiming {
  overriddenDuration: number;
  overriddenIterationCost: number;
}

// Every case's result flows here so the optimiser cannot drop the work as unused.
let consumed = 0;

/** Prepares and runs `benchCase.batch` calls, and times the runs together. */
export function timeBatch(benchCase: BenchCase): BatchTiming {
  const { run, batch } = benchCase;
  benchCase.prepare?.(batch);
  let result = 0;
  const start = performance.now();
  for (let i = 0; i < batch; i++) result += run();
  const elapsedMs = performance.now() - start;
  consumed += result;
  return { overriddenDuration: elapsedMs / batch, overriddenIterationCost: elapsedMs };
}

/** The sum of every result so far (read once at the end, so the results are observably used). */
export function consumedResults(): number {
  return consumed;
}
