import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { costPerCallMarkdown, README_MARKERS, type RecordedResults, replaceBlock } from "./perf-markdown.ts";

const markdown = suite("cost-per-call tables");

const results = (scale: number): RecordedResults => ({
  runtime: "node 20",
  date: "2026-12-06T00:00:00Z",
  tasks: [{ name: "opus.decode.16k", meanNs: 10_000 }, { name: "product.speech", meanNs: 50_000 * scale }],
  reports: { product: { "product.speech": { vad: 2_000 * scale, "dsp.features": 9_000 * scale } } },
});

markdown("totals are shown in us and as a multiple of the 16 kHz Opus decode, before and after", () => {
  const block = costPerCallMarkdown(results(2), results(1));
  assert.match(block, "| speech | 100.0 us (10.00 x) | 50.0 us (5.00 x) |");
  assert.match(block, "| silence | - | - |", "a case a run lacks is a dash, not a zero");
});

markdown("each plugin gets a row with its time per frame in both runs", () => {
  const block = costPerCallMarkdown(results(2), results(1));
  assert.match(block, "| dsp.features | 18.0 | 9.0 |");
  assert.match(block, "| vad | 4.0 | 2.0 |");
});

markdown("the block replaces only what lies between the markers", () => {
  const readme = `intro\n${README_MARKERS[0]}\nold\n${README_MARKERS[1]}\nrest`;
  assert.is(replaceBlock(readme, "NEW"), "intro\nNEW\nrest");
  assert.throws(() => replaceBlock("no markers", "NEW"), /no <!-- cost-per-call/);
});

markdown("the README's tables are the ones the recorded results give (run npm run bench:readme)", () => {
  const read = (relative: string) => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), "utf8");
  const readme = read("../README.md");
  const block = costPerCallMarkdown(JSON.parse(read("./recorded/before.json")), JSON.parse(read("./recorded/after.json")));
  assert.ok(readme.includes(block), "README.md is out of date with bench/recorded/");
});

markdown.run();
