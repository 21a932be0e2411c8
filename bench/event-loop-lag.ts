/**
 * Samples event-loop delay the same way on every runtime: a timer re-armed every `intervalMs`
 * records how much later than asked it ran. (Node's monitorEventLoopDelay is not usable on Deno.)
 */
export class EventLoopLagProbe {
  #samples: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = 0;

  constructor(readonly intervalMs = 5) {
    this.#arm();
  }

  /** Delays (ms) recorded since the last call. */
  take(): number[] {
    const samples = this.#samples;
    this.#samples = [];
    return samples;
  }

  /** Stops sampling. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(): void {
    this.#armedAt = performance.now();
    this.#timer = setTimeout(() => {
      this.#samples.push(Math.max(0, performance.now() - this.#armedAt - this.intervalMs));
      this.#arm();
    }, this.intervalMs);
  }
}
