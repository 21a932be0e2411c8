// The recognition worker's idle decoders. Building a pocketsphinx decoder costs 10 ms and 6 MB
// (grammars) to a quarter of a second and 58 MB (dictation; the models they share are loaded once
// per worker, see pocketsphinx-decoder.ts), and ps_free does not give all of it back (about 75 KB stays per build and free, and the freed blocks fragment the thread's malloc
// arena). A pool that frees every decoder beyond a fixed number at once rebuilt one for nearly
// every call whenever a worker ran more utterances than that: RSS grew by hundreds of KB per
// call. So decoders stay while they are used, and only one left idle for a while is freed.

/** What the pool needs of a decoder. */
export interface PooledDecoder<K extends string> {
  readonly kind: K;
  /** Releases the decoder's native memory; it is not used again. */
  free(): void;
}

/** How the pool keeps and frees decoders. */
export interface DecoderPoolOptions<K extends string> {
  /** An idle decoder is freed after this long unused, ms. */
  idleMs: number;
  /** Decoders of each kind kept however long they are idle (the warm ones a worker starts with). */
  keep?: Partial<Record<K, number>>;
  /** The clock, ms (tests pass their own). */
  now?: () => number;
}

/** An idle decoder and when it was last released. */
interface Idle<D> {
  decoder: D;
  since: number;
}

/**
 * Idle decoders by kind: `acquire` takes the most recently released one (or builds one), `release`
 * gives it back, and `trim` frees those idle for `idleMs` beyond the `keep` of their kind. Under
 * steady load a worker builds as many decoders as it runs utterances at once, then none.
 */
export class DecoderPool<K extends string, D extends PooledDecoder<K>> {
  readonly #build: (kind: K) => D;
  readonly #idleMs: number;
  readonly #keep: Partial<Record<K, number>>;
  readonly #now: () => number;
  /** Per kind, least recently released first: the most recent is reused, the oldest ages out. */
  readonly #idle = new Map<K, Idle<D>[]>();
  #built = 0;
  #freed = 0;

  constructor(build: (kind: K) => D, options: DecoderPoolOptions<K>) {
    this.#build = build;
    this.#idleMs = options.idleMs;
    this.#keep = options.keep ?? {};
    this.#now = options.now ?? (() => performance.now());
  }

  /** An idle decoder of `kind`, else a new one. */
  acquire(kind: K): D {
    const idle = this.#idle.get(kind)?.pop();
    if (idle) return idle.decoder;
    this.#built++;
    return this.#build(kind);
  }

  /** Gives a decoder back for the next utterance. */
  release(decoder: D): void {
    const idle = this.#idle.get(decoder.kind) ?? [];
    idle.push({ decoder, since: this.#now() });
    this.#idle.set(decoder.kind, idle);
  }

  /** Frees the decoders idle for `idleMs` or longer, keeping `keep` of each kind; returns how many it freed. */
  trim(): number {
    const before = this.#now() - this.#idleMs;
    let freed = 0;
    for (const [kind, idle] of this.#idle) {
      const keep = this.#keep[kind] ?? 0;
      while (idle.length > keep && idle[0]!.since <= before) {
        idle.shift()!.decoder.free();
        freed++;
      }
    }
    this.#freed += freed;
    return freed;
  }

  /** Decoders built and freed so far, and idle now. */
  stats(): { built: number; freed: number; idle: number } {
    let idle = 0;
    for (const list of this.#idle.values()) idle += list.length;
    return { built: this.#built, freed: this.#freed, idle };
  }
}
