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

test.run();
