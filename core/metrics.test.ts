import { test } from "uvu";
import * as assert from "uvu/assert";
import { Metrics } from "./metrics.ts";

test("a plugin's counter is created once per registry and shows in the Prometheus text", async () => {
  const metrics = new Metrics();
  const first = metrics.counter("parley_test_verdicts_total", "Test verdicts", ["verdict"]);
  const again = metrics.counter("parley_test_verdicts_total", "Test verdicts", ["verdict"]);
  assert.is(again, first);
  first.inc({ verdict: "match" });
  again.inc({ verdict: "match" });
  assert.match(await metrics.registry.metrics(), /^parley_test_verdicts_total\{verdict="match"\} 2$/m);
});

test("gauges and histograms are get-or-create too; asking for the same name with another kind, labels or buckets is a coded error", async () => {
  const metrics = new Metrics();
  const histogram = metrics.histogram("parley_test_seconds", "Test", ["engine"], [0.1, 1]);
  assert.is(metrics.histogram("parley_test_seconds", "Test", ["engine"], [0.1, 1]), histogram);
  const conflict = (ask: () => unknown) => assert.throws(ask, (error: Error & { code?: string }) => error.code === "PARLEY_ERR_METRIC_CONFLICT");
  conflict(() => metrics.histogram("parley_test_seconds", "Test", ["engine"], [0.5]));
  conflict(() => metrics.histogram("parley_test_seconds", "Test", ["model"], [0.1, 1]));
  conflict(() => metrics.counter("parley_test_seconds", "Test", ["engine"]));
  let read = 7;
  const gauge = metrics.gauge("parley_test_level", "Test", [], (g) => g.set(read));
  assert.is(metrics.gauge("parley_test_level", "Test", []), gauge);
  assert.match(await metrics.registry.metrics(), /^parley_test_level 7$/m);
  read = 9;
  assert.match(await metrics.registry.metrics(), /^parley_test_level 9$/m, "collect runs at each scrape");
  conflict(() => metrics.gauge("parley_sessions_total", "core's counter", ["transport", "codec"]));
  metrics.close();
});

test.run();
