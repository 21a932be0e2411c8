// Counts the objects of a kind that are still alive: each one is known by a WeakRef only, so
// after a garbage collection a count above zero names something that still holds it.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Tracked and still-alive objects of each kind. */
export class LiveCensus {
  readonly #refs = new Map<string, WeakRef<object>[]>();
  readonly #tracked = new Map<string, number>();

  /** Starts following `object` as one of `kind`. */
  track(kind: string, object: object): void {
    const refs = this.#refs.get(kind) ?? [];
    refs.push(new WeakRef(object));
    this.#refs.set(kind, refs);
    this.#tracked.set(kind, (this.#tracked.get(kind) ?? 0) + 1);
  }

  /** How many of each kind are alive now (forgetting the collected ones, so the census keeps nothing per object either). */
  alive(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [kind, refs] of this.#refs) {
      const live = refs.filter((ref) => ref.deref() !== undefined);
      this.#refs.set(kind, live);
      counts[kind] = live.length;
    }
    return counts;
  }

  /** How many of each kind were ever tracked. */
  tracked(): Record<string, number> {
    return Object.fromEntries(this.#tracked);
  }
}

/**
 * V8's `gc()` turned on while running (Node): a fresh context made after the flag is set has it.
 * Undefined where the runtime does not take V8 flags at run time (Deno).
 */
function gcFromV8Flags(): (() => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime's `gc()`: Node with --expose-gc (or turned on here), Deno with --v8-flags=--expose-gc; undefined otherwise. */
export const exposedGc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc ?? gcFromV8Flags();

/** Collects garbage thoroughly (a few full collections, with turns of the event loop between for finalizers and weak callbacks); false when gc is not exposed. */
export async function collectGarbage(): Promise<boolean> {
  if (!exposedGc) return false;
  for (let round = 0; round < 3; round++) {
    exposedGc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
