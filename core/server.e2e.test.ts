import { firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "./server.ts";

test("listen serves the API; close ends every session gracefully and releases its ports", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45000-45009" } });
  const address = await server.listen();
  const started = firstValueFrom(server.sessions$);
  const { session } = await server.rtp.open({ codec: "opus" });
  assert.is((await started).id, session.id, "sessions$ announces new sessions");
  const health = await fetch(`http://127.0.0.1:${address.port}/v1/health`);
  assert.is((await health.json()).sessions, 1);
  await server.close();
  assert.equal(await session.closed.then((info) => info.reason), "server_shutdown");
  assert.is(server.sessions().length, 0);
  assert.is(server.rtp.portsInUse, 0);
  await assert.not.throws(async () => await server.close(), "close twice is harmless");
});

test("after close begins, new sessions are refused with 503", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45010-45019" } });
  await server.listen();
  const closing = server.close();
  try {
    await server.rtp.open({ codec: "pcmu" });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.is((error as { status?: number }).status, 503);
  }
  await closing;
});

test("a plugin's setup failure is reported by listen()", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45020-45029" } });
  server.use({ name: "needs-model", version: "1.0.0", setup: async () => { throw new Error("model file missing"); } });
  try {
    await server.listen();
    assert.unreachable("listen should fail");
  } catch (error) {
    assert.match((error as Error).message, "model file missing");
  }
  await server.close();
});

test("the event-loop lag gauge reads near zero on an idle server and rises when the loop is blocked", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45030-45039" } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const idle = Number(/^parley_event_loop_lag_seconds (\S+)$/m.exec(await server.metrics.registry.metrics())![1]);
  // This VM stalls an idle process by up to ~60 ms now and then, hence the idle bound well below the block.
  assert.ok(idle < 0.1, `idle lag ${idle}`);
  const until = performance.now() + 250;
  while (performance.now() < until) { /* block the loop */ }
  await new Promise((resolve) => setTimeout(resolve, 30));
  const blocked = Number(/^parley_event_loop_lag_seconds (\S+)$/m.exec(await server.metrics.registry.metrics())![1]);
  assert.ok(blocked > 0.2, `lag after a 250 ms block: ${blocked}`);
  await server.close();
});

test.run();
