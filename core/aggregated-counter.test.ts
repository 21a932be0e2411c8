import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Registry } from "prom-client";
import { AggregatedCounter } from "./aggregated-counter.ts";

const counter = suite("aggregated counter");

function fixture() {
  const registry = new Registry();
  const metric = new AggregatedCounter({ name: "test_packets_total", help: "Packets", labelNames: ["transport"], registers: [registry] });
  return { registry, metric };
}

counter("a bound child's increments appear in the scrape, once", async () => {
  const { registry, metric } = fixture();
  const rtp = metric.labels("rtp");
  rtp.inc();
  rtp.inc(2);
  assert.match(await registry.metrics(), /test_packets_total\{transport="rtp"\} 3\n/);
  rtp.inc();
  assert.match(await registry.metrics(), /test_packets_total\{transport="rtp"\} 4\n/, "a second scrape adds only what came since");
});

counter("the same labels give the same child, by position or by name", () => {
  const { metric } = fixture();
  assert.is(metric.labels("rtp"), metric.labels({ transport: "rtp" }));
  assert.is.not(metric.labels("rtp"), metric.labels("webrtc"));
});

counter("a label the counter does not have is refused when the child is bound", () => {
  const { metric } = fixture();
  assert.throws(() => metric.labels({ codec: "opus" } as never), /codec/);
});

counter("direct increments with labels still count beside the children", async () => {
  const { registry, metric } = fixture();
  metric.inc({ transport: "rtp" }, 5);
  metric.labels("rtp").inc();
  assert.match(await registry.metrics(), /test_packets_total\{transport="rtp"\} 6\n/);
});

counter("reset forgets what the children counted before it", async () => {
  const { registry, metric } = fixture();
  metric.labels("rtp").inc(7);
  metric.reset();
  metric.labels("rtp").inc();
  assert.match(await registry.metrics(), /test_packets_total\{transport="rtp"\} 1\n/);
});

counter.run();
