/** Something driven by the pacer: called once per tick with the tick's scheduled time. */
export type PacerTask = (tickMs: number) => void;

/**
 * One 20 ms clock for every session's outbound audio and jitter-buffer deadlines, instead of a
 * timer per session. Ticks are scheduled against the start time (drift-corrected); when the event
 * loop was blocked it runs the missed ticks at once, up to a bound, so no stream falls behind.
 */
export class Pacer {
  readonly #tasks = new Set<PacerTask>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #next = 0;
  /** Ticks dropped because the loop was blocked longer than `maxCatchUp` periods. */
  skipped = 0;

  constructor(
    /** Called with what a task threw; the other tasks of the tick still run. */
    readonly onError: (error: unknown) => void = () => {},
    readonly periodMs = 20,
    readonly maxCatchUp = 5,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Adds a task; the clock starts with the first task and stops with the last. Returns the remover. */
  add(task: PacerTask): () => void {
    this.#tasks.add(task);
    if (!this.#timer) {
      this.#next = this.now() + this.periodMs;
      this.#schedule();
    }
    return () => {
      this.#tasks.delete(task);
      if (this.#tasks.size === 0) this.stop();
    };
  }

  /** Number of registered tasks. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Stops the clock (tasks stay registered until removed; `add` restarts it). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, this.#next - this.now()));
  }

  #tick(): void {
    const now = this.now();
    let due = Math.floor((now - this.#next) / this.periodMs) + 1;
    if (due > this.maxCatchUp) {
      this.skipped += due - this.maxCatchUp;
      this.#next += (due - this.maxCatchUp) * this.periodMs;
      due = this.maxCatchUp;
    }
    for (let i = 0; i < due; i++) {
      for (const task of this.#tasks) {
        try {
          task(this.#next);
        } catch (error) {
          this.onError(error);
        }
      }
      this.#next += this.periodMs;
    }
    if (this.#tasks.size > 0) this.#schedule();
    else this.#timer = undefined;
  }
}
