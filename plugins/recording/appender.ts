// Batches a recording's samples off the call's path: `append` only queues them, `flush` hands what
// is queued to the file (a plain WAV, or encrypted chunks) in one write. The file format is the
// sink's business; the batching and the one-flush-at-a-time rule are this file's. The queued blocks
// go to the sink as they are: a plain WAV writes them with one vectored write, so a flush neither
// copies nor allocates a second second of audio per call (at 200 calls, 12.8 MB a second the
// collector had to take back).

/** Where an appender's batches go: one call at a time, in order. */
export interface SampleSink {
  /** Writes one batch (blocks of interleaved samples, `samples` in all, in order) and syncs it to disk; `last` marks the final batch (which may be empty). */
  write(blocks: readonly Int16Array[], samples: number, last: boolean): Promise<void>;
  /** Closes the file (after the last write). */
  close(): Promise<void>;
}

/** Blocks of interleaved samples (`count` in all) as one run of little-endian bytes. */
export function joinSamples(blocks: readonly Int16Array[], count: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(count * 2);
  let at = 0;
  for (const block of blocks) {
    // A view of the samples' bytes: little-endian, as on every supported platform.
    bytes.set(new Uint8Array(block.buffer, block.byteOffset, block.byteLength), at);
    at += block.byteLength;
  }
  return bytes;
}

/**
 * Appends interleaved samples to a sink in the background: `append` only queues them (no I/O on
 * the caller's path); `flush` writes what is queued in one write and syncs it. One flush runs at a
 * time; a flush asked for meanwhile joins the next.
 */
export class SampleAppender {
  #pending: Int16Array[] = [];
  #pendingSamples = 0;
  #dataBytes = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;

  /** @param written told how many samples each batch held once the sink is done with it (written, or failed), so that their memory can be reused */
  constructor(readonly sink: SampleSink, readonly written: (samples: number) => void = () => {}) {}

  /** Sample bytes on disk (as of the last flush). */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  /** Samples queued and not yet written. */
  get pendingSamples(): number {
    return this.#pendingSamples;
  }

  /** Queues interleaved samples (kept by reference: the caller must not reuse the array until `written` counts it). */
  append(samples: Int16Array): void {
    if (this.#closed || samples.length === 0) return;
    this.#pending.push(samples);
    this.#pendingSamples += samples.length;
  }

  /** Writes what is queued and syncs it; resolves when that is on disk. */
  flush(): Promise<void> {
    return this.#serially(false);
  }

  /** Writes the rest as the last batch and closes the file; later appends are ignored. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#serially(true);
    } finally {
      // A failed last write must not leave the file open.
      await this.sink.close();
    }
  }

  #serially(last: boolean): Promise<void> {
    const running = this.#flushing;
    if (running) return running.then(() => this.#serially(last));
    if (this.#pendingSamples === 0 && !last) return Promise.resolve();
    const flushing = this.#write(last).finally(() => {
      if (this.#flushing === flushing) this.#flushing = undefined;
    });
    this.#flushing = flushing;
    return flushing;
  }

  async #write(last: boolean): Promise<void> {
    const blocks = this.#pending;
    const samples = this.#pendingSamples;
    this.#pending = [];
    this.#pendingSamples = 0;
    try {
      await this.sink.write(blocks, samples, last);
      this.#dataBytes += samples * 2;
    } finally {
      this.written(samples);
    }
  }
}
