import { test } from "uvu";
import * as assert from "uvu/assert";
import { definePlugin, type SessionEvent, Type } from "./mod.ts";
import { createServer } from "./server.ts";

const PCMU = { transport: "test", codec: "pcmu", sampleRate: 8000, decodableRates: [8000], outputRate: 8000, frameSamples: 160 };
const transport = () => ({ outputRate: 8000, frameSamples: 160, sendFrame() {}, async close() {} });

test("a session opened while a setup is pending is refused with PARLEY_ERR_NOT_READY (503) naming it; after ready() it opens", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } });
  let finish!: () => void;
  server.use(definePlugin({ name: "slow", version: "1.0.0", setup: () => new Promise<void>((resolve) => (finish = resolve)) }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.throws(() => server.openSession(PCMU, transport), (error: Error & { code?: string; status?: number }) =>
    error.code === "PARLEY_ERR_NOT_READY" && error.status === 503 && /slow/.test(error.message));
  finish();
  await server.ready();
  const session = server.openSession(PCMU, transport);
  assert.ok(session.id);
  await server.close();
});

test("while a plugin's check gives a reason, new sessions are refused with PARLEY_ERR_UNAVAILABLE (503) and counted; open ones go on; then they open again", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } });
  let down = false;
  server.use(definePlugin({ name: "shared-state", version: "1.0.0", setup: (context) => context.refuseSessionsWhen(() => (down ? "its store is out of reach" : undefined)) }));
  await server.ready();
  const open = server.openSession(PCMU, transport);
  down = true;
  assert.throws(() => server.openSession(PCMU, transport), (error: Error & { code?: string; status?: number }) =>
    error.code === "PARLEY_ERR_UNAVAILABLE" && error.status === 503 && /its store is out of reach/.test(error.message));
  assert.ok(server.session(open.id) && !open.ended, "the session already open goes on");
  assert.match(await server.metrics.registry.metrics(), /parley_sessions_refused_total\{plugin="shared-state"\} 1/);
  down = false;
  assert.ok(server.openSession(PCMU, transport).id);
  await server.close();
});

test("plugins see session.started: they attach before it is emitted", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } });
  const seen: SessionEvent["type"][] = [];
  server.use(definePlugin({ name: "watcher", version: "1.0.0", setup: () => (session) => session.events$.subscribe((event) => void seen.push(event.type)) }));
  await server.ready();
  server.openSession(PCMU, transport);
  assert.equal(seen[0], "session.started");
  await server.close();
});

test("a TypeBox options schema is validated with its defaults applied, and typed for setup", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } });
  let windowMs = 0;
  const plugin = definePlugin({
    name: "typed",
    version: "1.0.0",
    options: Type.Object({ windowMs: Type.Integer({ minimum: 1, default: 2000 }), label: Type.Optional(Type.String()) }, { additionalProperties: false }),
    setup: (_context, options) => void (windowMs = options.windowMs),
  });
  assert.throws(() => server.use(plugin, { windowMs: 0 }), (error: Error & { code?: string }) => error.code === "PARLEY_ERR_PLUGIN_OPTIONS");
  server.use(plugin);
  await server.ready();
  assert.is(windowMs, 2000);
  await server.close();
});

test.run();
