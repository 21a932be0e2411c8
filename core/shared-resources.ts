// Resources that every server of a process can share (an ASR worker pool, a TTS worker), created
// on first use and closed when the last server using them closes (through a plugin's close hook).

/** Something with an asynchronous close. */
export interface Closable {
  close(): Promise<void>;
}

/** One user's hold on a shared resource. */
export interface SharedHandle<T> {
  /** The resource; rejects when it could not be created (the hold is then already given up). */
  readonly value: Promise<T>;
  /** Gives the hold up; the last one closes the resource. Idempotent. */
  release(): Promise<void>;
}

/** Shared resources by key, counted by holder: created on the first `acquire`, closed after the last `release`. */
export class SharedResources<T extends Closable> {
  readonly #entries = new Map<string, { value: Promise<T>; holders: number }>();

  /** Holds the resource under `key`, creating it with `create` when nobody holds one. */
  acquire(key: string, create: () => Promise<T>): SharedHandle<T> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const created = { value: create(), holders: 0 };
      this.#entries.set(key, created);
      // A resource that failed to start is forgotten, so the next acquire tries again.
      created.value.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
      entry = created;
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      value: held.value,
      release: async () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        if (this.#entries.get(key) === held) this.#entries.delete(key);
        const resource = await held.value.catch(() => undefined);
        await resource?.close();
      },
    };
  }

  /** Resources currently held (for tests and leak checks). */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The engine a plugin runs on, as a hold to give up when its server closes: one passed in is left
 * to its owner, one made by a factory passed in is closed, and without either the shared one
 * `shared` gives is held.
 */
export function holdEngine<T extends Closable>(given: T | (() => Promise<T>) | undefined, shared: () => SharedHandle<T>): SharedHandle<T> {
  if (given === undefined) return shared();
  if (typeof given !== "function") return { value: Promise.resolve(given), release: async () => {} };
  const value = given();
  let closing: Promise<void> | undefined;
  return { value, release: () => (closing ??= value.then((engine) => engine.close(), () => {})) };
}
