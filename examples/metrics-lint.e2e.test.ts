// The metrics of the server as `npm start` runs it, after a call went through the bot to a queue,
// checked by Prometheus's own linter (`promtool check metrics`): names, types, units, help.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput } from "../core/mod.ts";
import { requireTool, waitFor } from "../core/testing.ts";
import { silentAsrEngine } from "../bench/silent-asr-engine.ts";
import { useDefaultPlugins } from "./default-plugins.ts";

test("every metric of the default server passes promtool check metrics, the routing metrics included", async () => {
  if (!requireTool("promtool")) return;
  const voiceprints = mkdtempSync(join(tmpdir(), "parley-metrics-lint-"));
  const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46720-46739" }, logLevel: "silent" }), { voiceprints, asrEngine: silentAsrEngine() });
  try {
    const { port } = await server.listen();
    const { session } = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" });
    session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
    await waitFor(async () => (await server.metrics.registry.getSingleMetricAsString("parley_queue_entered_total")).includes('queue="support"} 1'), 3000, "the call queued");
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.ok(lint.status === 0 || lint.status === 3, `promtool ran: ${lint.stderr}`);
    // prom-client's own process gauges (nodejs_active_handles_total...) break the _total rule; they are its names, not ours.
    const problems = `${lint.stdout}${lint.stderr}`.split("\n").filter((line) => line.trim() && !line.startsWith("nodejs_"));
    assert.equal(problems, []);
    assert.match(text, /parley_queue_calls_waiting\{queue="support"\} 1/);
  } finally {
    await server.close();
    rmSync(voiceprints, { recursive: true, force: true });
  }
});

test.run();
