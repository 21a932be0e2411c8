import { map, Observable, Subject } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioFanout } from "./AudioFanout.ts";
import { SAMPLE_EVERY } from "./frame-timing.ts";
import type { SessionEvent } from "./events.ts";
import { Metrics } from "./metrics.ts";
import { errorCatalogue } from "./errors.ts";
import { definePlugin, type PluginContext } from "./plugin.ts";
import { PluginHost, type PluginServer } from "./PluginHost.ts";
import { CallSession, type Session } from "./Session.ts";

function setup() {
  const metrics = new Metrics();
  const events: SessionEvent[] = [];
  const server: PluginServer = {
    metrics,
    events$: new Subject<SessionEvent>(),
    sessions$: new Subject(),
    sessions: () => [],
    plugins: () => new Map(),
    route: () => {},
    addTokenResolver: () => {},
    clock: () => () => {},
    transport: () => {
      throw new Error("no transports in this test");
    },
  };
  const host = new PluginHost(metrics, server);
  const fanout = new AudioFanout(8000);
  const session = new CallSession(
    { id: "s1", transport: "test", codec: "pcmu", sampleRate: 8000, startedAt: Date.now(), metadata: {} },
    fanout,
    { publish: (event) => events.push(event), ended: () => {}, sourceError: () => {}, failed: () => {} },
    8000,
    160,
  );
  const frame = () => fanout.push(new Int16Array(160), 8000, 0);
  return { metrics, host, session, events, frame };
}

const plain = (name: string, extra: object = {}) => definePlugin({ name, version: "1.2.3", setup: () => {}, ...extra });

test("registration checks name, version, duplicates and dependencies with coded errors", () => {
  const { host, metrics } = setup();
  assert.throws(() => host.register(plain("Bad Name")), /lower case/);
  assert.throws(() => host.register(definePlugin({ name: "x", version: "one", setup: () => {} })), /not x\.y\.z/);
  host.register(plain("asr"));
  assert.throws(() => host.register(plain("asr")), (e: Error & { code?: string }) => e.code === "PARLEY_ERR_PLUGIN_DUPLICATE");
  assert.throws(() => host.register(plain("bot", { dependencies: { tts: "^1.0.0" } })), (e: Error & { code?: string }) => e.code === "PARLEY_ERR_PLUGIN_DEPENDENCY");
  assert.throws(
    () => host.register(plain("bot", { dependencies: { asr: "^2.0.0" } })),
    (e: Error & { code?: string }) => e.code === "PARLEY_ERR_PLUGIN_VERSION_MISMATCH" && /asr@\^2\.0\.0/.test(e.message),
  );
  host.register(plain("bot", { dependencies: { asr: "^1.0.0" } }));
  metrics.close();
});

test("options are validated against the plugin's schema and defaults applied", async () => {
  const { host, metrics } = setup();
  let seen: unknown;
  const schema = { type: "object", properties: { windowMs: { type: "integer", default: 2000 } }, additionalProperties: false };
  assert.throws(() => host.register(plain("a", { options: schema }), { windowMs: "long" } as never), /PARLEY|must be integer/);
  host.register(definePlugin({ name: "b", version: "1.0.0", options: schema, setup: (_s, options) => void (seen = options) }));
  await host.ready();
  assert.equal(seen, { windowMs: 2000 });
  metrics.close();
});

test("events a plugin's work yields are emitted with the plugin as source", async () => {
  const { host, session, events, frame, metrics } = setup();
  host.register(definePlugin({
    name: "counter",
    version: "1.0.0",
    setup: () => (s) => s.audio(16000).pipe(map((f) => ({ type: "dtmf" as const, digit: "1", durationMs: f.samples.length }))),
  }));
  await host.ready();
  host.attach(session);
  frame();
  const emitted = events.filter((e) => e.type === "dtmf");
  assert.is(emitted.length, 1);
  assert.is(emitted[0].source, "counter");
  assert.is((emitted[0] as { durationMs: number }).durationMs, 320, "frames reach the plugin resampled to 16 kHz");
  metrics.close();
});

test("a plugin that throws is detached from that session, reported and counted; others go on", async () => {
  const { host, session, events, frame, metrics } = setup();
  let healthyFrames = 0;
  let faultyFrames = 0;
  host.register(definePlugin({
    name: "faulty",
    version: "1.0.0",
    setup: () => (s) =>
      s.audio$.pipe(map(() => {
        if (++faultyFrames === 3) throw new Error("model exploded");
      })),
  }));
  host.register(definePlugin({
    name: "healthy",
    version: "1.0.0",
    setup: () => (s) => new Observable<void>(() => s.audio$.subscribe(() => void healthyFrames++)),
  }));
  await host.ready();
  host.attach(session);
  for (let i = 0; i < 10; i++) frame();
  assert.is(faultyFrames, 3, "the faulty plugin saw no frame after it threw");
  assert.is(healthyFrames, 10);
  const errors = events.filter((e) => e.type === "plugin.error");
  assert.is(errors.length, 1);
  assert.match((errors[0] as { message: string }).message, "model exploded");
  assert.match(await metrics.registry.metrics(), 'parley_plugin_errors_total{plugin="faulty"} 1');
  assert.not.ok(session.ended, "the call goes on");
  metrics.close();
});

test("a per-session function that throws synchronously is contained too", async () => {
  const { host, session, events, metrics } = setup();
  host.register(definePlugin({ name: "broken", version: "1.0.0", setup: () => () => { throw new Error("no model file"); } }));
  await host.ready();
  host.attach(session);
  assert.ok(events.some((e) => e.type === "plugin.error" && (e as { plugin: string }).plugin === "broken"));
  metrics.close();
});

test("time per frame is measured per plugin, on one frame in SAMPLE_EVERY", async () => {
  const { host, session, frame, metrics } = setup();
  host.register(definePlugin({ name: "timed", version: "1.0.0", setup: () => (s) => s.audio$.subscribe(() => {}) }));
  await host.ready();
  host.attach(session);
  for (let i = 0; i < 2 * SAMPLE_EVERY; i++) frame();
  assert.match(await metrics.registry.metrics(), 'parley_plugin_frame_seconds_count{plugin="timed"} 2');
  metrics.close();
});

test("a shared stream's work is charged to its key and its consumers' work to them", async () => {
  const { host, session, frame, metrics } = setup();
  // The frame timer reads performance.now(); a clock that only work moves makes the sums exact
  // however busy the machine is.
  const realNow = performance.now;
  let clock = 0;
  performance.now = () => clock;
  const busy = (ms: number) => void (clock += ms);
  const features = (s: Session) => s.shared("test.features", () => s.audio(8000).pipe(map((f) => (busy(2), f))));
  host.register(definePlugin({ name: "reader", version: "1.0.0", setup: () => (s) => features(s).subscribe(() => busy(1)) }));
  await host.ready();
  host.attach(session);
  for (let i = 0; i < SAMPLE_EVERY; i++) frame();
  const text = await metrics.registry.metrics();
  const sum = (plugin: string) => Number(new RegExp(`parley_plugin_frame_seconds_sum\\{plugin="${plugin}"\\} ([0-9.e-]+)`).exec(text)?.[1]);
  performance.now = realNow;
  assert.ok(Math.abs(sum("test.features") - 0.002) < 1e-9, `the stream's own 2 ms, not its consumer's: ${sum("test.features")}`);
  assert.ok(Math.abs(sum("reader") - 0.001) < 1e-9, `the reader's own 1 ms: ${sum("reader")}`);
  metrics.close();
});

test("setups run one after another in registration order, and ready() waits for the last", async () => {
  const { host, metrics } = setup();
  const order: string[] = [];
  const slow = (name: string, ms: number) =>
    definePlugin({ name, version: "1.0.0", setup: async () => {
      order.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`${name} end`);
    } });
  host.register(slow("a", 30));
  host.register(slow("b", 1));
  assert.equal(host.pending, ["a", "b"]);
  await host.ready();
  assert.equal(order, ["a start", "a end", "b start", "b end"]);
  assert.equal(host.pending, []);
  metrics.close();
});

test("a per-session Promise that rejects is contained: plugin.error, counted, the call goes on", async () => {
  const { host, session, events, metrics } = setup();
  host.register(definePlugin({ name: "late", version: "1.0.0", setup: () => async () => { throw new Error("engine gone"); } }));
  await host.ready();
  host.attach(session);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const errors = events.filter((e) => e.type === "plugin.error");
  assert.is(errors.length, 1);
  assert.match((errors[0] as { message: string }).message, "engine gone");
  assert.match(await metrics.registry.metrics(), 'parley_plugin_errors_total{plugin="late"} 1');
  assert.not.ok(session.ended);
  metrics.close();
});

test("a per-session Promise of a teardown: the teardown runs when the session ends", async () => {
  const { host, session, metrics } = setup();
  let tornDown = 0;
  host.register(definePlugin({ name: "async", version: "1.0.0", setup: () => async () => () => void tornDown++ }));
  await host.ready();
  host.attach(session);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await session.hangup("test");
  assert.is(tornDown, 1);
  metrics.close();
});

test("a callback the plugin subscribed itself that throws ends that plugin's work on the session, reported once; others go on", async () => {
  const { host, session, events, frame, metrics } = setup();
  let seen = 0;
  let healthy = 0;
  host.register(definePlugin({
    name: "self-subscribed",
    version: "1.0.0",
    setup: () => (s) =>
      s.audio$.subscribe(() => {
        if (++seen === 2) throw new Error("bad frame");
      }),
  }));
  host.register(definePlugin({ name: "healthy", version: "1.0.0", setup: () => (s) => s.audio$.subscribe(() => void healthy++) }));
  await host.ready();
  host.attach(session);
  for (let i = 0; i < 5; i++) frame();
  assert.is(seen, 2, "no frame reached it after it threw");
  assert.is(healthy, 5);
  const errors = events.filter((e) => e.type === "plugin.error");
  assert.is(errors.length, 1);
  assert.is((errors[0] as { plugin: string }).plugin, "self-subscribed");
  assert.match((errors[0] as { message: string }).message, "bad frame");
  metrics.close();
});

test("an error nobody handles in a stream the plugin piped and subscribed itself (a teardown-returning plugin) is contained", async () => {
  const { host, session, events, frame, metrics } = setup();
  host.register(definePlugin({
    name: "piped",
    version: "1.0.0",
    setup: () => (s) => {
      const subscription = s.audio(16000).pipe(map(() => {
        throw new Error("operator failed");
      })).subscribe(() => {});
      return () => subscription.unsubscribe();
    },
  }));
  await host.ready();
  host.attach(session);
  frame();
  frame();
  const errors = events.filter((e) => e.type === "plugin.error");
  assert.is(errors.length, 1);
  assert.match((errors[0] as { message: string }).message, "operator failed");
  metrics.close();
});

test("the context: the plugin's name, a logger bound to it, get-or-create metrics and registered error codes", async () => {
  const { host, metrics } = setup();
  let context: PluginContext | undefined;
  host.register(definePlugin({
    name: "ctx",
    version: "1.0.0",
    errors: { PARLEY_ERR_CTX_DECLARED: [409, "declared %s"] },
    setup: (c) => void (context = c),
  }));
  await host.ready();
  assert.is(context!.name, "ctx");
  const histogram = context!.metrics.histogram("parley_ctx_seconds", "test", ["engine"], [0.1, 1]);
  assert.is(context!.metrics.histogram("parley_ctx_seconds", "test", ["engine"], [0.1, 1]), histogram);
  const made = context!.errors.register("PARLEY_ERR_CTX_REGISTERED", "registered %s", 422)("here");
  assert.equal([made.code, made.status, made.message], ["PARLEY_ERR_CTX_REGISTERED", 422, "registered here"]);
  assert.equal(errorCatalogue().get("PARLEY_ERR_CTX_DECLARED"), [409, "declared %s"]);
  assert.type(context!.log.child, "function");
  metrics.close();
});

test.run();
