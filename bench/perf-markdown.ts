// The README's cost-per-call tables, made from recorded `npm run bench` results (bench/recorded/),
// so the figures in the README are the ones a run produced, not typed by hand.

/** The parts of a bench/results.json the tables read. */
export interface RecordedResults {
  readonly runtime: string;
  readonly date: string;
  readonly tasks: readonly { readonly name: string; readonly meanNs: number }[];
  /** The product suite's per-plugin time per frame in ns, by case. */
  readonly reports?: { readonly product?: Readonly<Record<string, Readonly<Record<string, number>>>> };
}

/** Marks the start and end of the generated block in README.md. */
export const README_MARKERS = ["<!-- cost-per-call:start (npm run bench:readme) -->", "<!-- cost-per-call:end -->"] as const;

const BASELINE = "opus.decode.16k";
const CALLERS = ["speech", "silence", "noise"] as const;
/** The micro-benchmarks issue 11 moved, besides the product cases. */
const PARTS = ["ingest.opus.16k", "ingest.pcmu.16k", "resample.8k-16k", "resample.48k-16k", "analytics.frame"] as const;

function meanNs(results: RecordedResults, task: string): number | undefined {
  return results.tasks.find((t) => t.name === task)?.meanNs;
}

function us(ns: number | undefined): string {
  return ns === undefined ? "-" : (ns / 1000).toFixed(1);
}

/** Time and its ratio to the same run's bare 16 kHz Opus decode. */
function timeAndRatio(results: RecordedResults, task: string): string {
  const ns = meanNs(results, task);
  const baseline = meanNs(results, BASELINE);
  if (ns === undefined || baseline === undefined) return "-";
  return `${us(ns)} us (${(ns / baseline).toFixed(2)} x)`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(row)].join("\n");
}

/** The generated block (markers included): totals per frame, the parts, and each plugin's share, before and after. */
export function costPerCallMarkdown(before: RecordedResults, after: RecordedResults): string {
  const totals = table(
    ["caller sends", "before", "after"],
    CALLERS.map((caller) => [caller, timeAndRatio(before, `product.${caller}`), timeAndRatio(after, `product.${caller}`)]),
  );
  const parts = table(
    ["task", "before", "after"],
    [BASELINE, ...PARTS].map((task) => [`\`${task}\``, timeAndRatio(before, task), timeAndRatio(after, task)]),
  );
  const plugins = new Set<string>();
  for (const results of [before, after]) {
    for (const caller of CALLERS) for (const plugin of Object.keys(results.reports?.product?.[`product.${caller}`] ?? {})) plugins.add(plugin);
  }
  const share = (results: RecordedResults, caller: string, plugin: string) => us(results.reports?.product?.[`product.${caller}`]?.[plugin]);
  const perPlugin = table(
    ["plugin or shared stream", "speech before", "speech after", "silence before", "silence after", "noise before", "noise after"],
    [...plugins].sort().map((plugin) => [plugin, ...CALLERS.flatMap((caller) => [share(before, caller, plugin), share(after, caller, plugin)])]),
  );
  return [
    README_MARKERS[0],
    `Main-thread time per 20 ms frame of one Opus RTP call through the default plugin set (\`product.*\`), and in`,
    `brackets as a multiple of the bare 16 kHz Opus decode of the same run. Before: ${before.runtime}, ${before.date.slice(0, 10)};`,
    `after: ${after.runtime}, ${after.date.slice(0, 10)}.`,
    "",
    totals,
    "",
    parts,
    "",
    "Each plugin's own time per frame in us (sampled, exclusive of the plugins its work triggers; `dsp.features` and",
    "`dsp.segments` are the analytics streams the emotion, deepfake and biometrics plugins share):",
    "",
    perPlugin,
    README_MARKERS[1],
  ].join("\n");
}

/** `readme` with its generated block replaced by `block`; throws when the markers are missing. */
export function replaceBlock(readme: string, block: string): string {
  const start = readme.indexOf(README_MARKERS[0]);
  const end = readme.indexOf(README_MARKERS[1]);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_MARKERS[0]} ... ${README_MARKERS[1]} block`);
  return readme.slice(0, start) + block + readme.slice(end + README_MARKERS[1].length);
}
