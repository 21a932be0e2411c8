// A prom-client Counter whose bound children are plain numbers. prom-client hashes the label set
// and validates it on every `inc`, even through a pre-bound child (about 0.1 us a call), and the
// ingest path bumps several counters per packet; here a child adds to a number and the totals
// reach prom-client when the registry is scraped (its `collect` hook), so the hot path pays an
// addition and the scrape pays one `inc` per label set.
import { Counter, type CounterConfiguration, type LabelValues } from "prom-client";

/** A bound child of an AggregatedCounter: adds to a plain number. */
export class CounterChild<L extends string> {
  /** Counted since the last scrape. */
  pending = 0;

  constructor(readonly labels: LabelValues<L>) {}

  /** Adds `n` (default 1). */
  inc(n = 1): void {
    this.pending += n;
  }
}

/** A Counter whose `labels(...)` children count in plain numbers, handed to prom-client at scrape time. */
export class AggregatedCounter<L extends string> extends Counter<L> {
  readonly #children = new Map<string, CounterChild<L>>();

  constructor(configuration: Omit<CounterConfiguration<L>, "collect">) {
    super({ ...configuration, collect: flushAtScrape });
  }

  /** The child of one label set: the same object for the same labels, so callers may bind it once. */
  override labels(...values: (string | number)[] | [LabelValues<L>]): CounterChild<L> {
    const names = (this as unknown as { labelNames: L[] }).labelNames;
    const labels = (typeof values[0] === "object" ? values[0] : Object.fromEntries(names.map((name, i) => [name, values[i]]))) as LabelValues<L>;
    const key = names.map((name) => String(labels[name] ?? "")).join("\u0000");
    let child = this.#children.get(key);
    if (!child) {
      // Checked here, once per label set, instead of on every increment.
      for (const name of Object.keys(labels)) {
        if (!names.includes(name as L)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(names)}`);
      }
      child = new CounterChild<L>(labels);
      this.#children.set(key, child);
    }
    return child;
  }

  /** Moves what the children counted into the counter (prom-client calls this before every read). */
  flush(): void {
    for (const child of this.#children.values()) {
      if (child.pending === 0) continue;
      this.inc(child.labels, child.pending);
      child.pending = 0;
    }
  }

  override reset(): void {
    // prom-client's constructor calls reset before this class's fields exist.
    if (#children in this) for (const child of this.#children.values()) child.pending = 0;
    super.reset();
  }
}

function flushAtScrape(this: Counter<string>): void {
  if (this instanceof AggregatedCounter) this.flush();
}
