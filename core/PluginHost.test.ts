import { map, Observable, Subject } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioFanout } from "./AudioFanout.ts";
import { SAMPLE_EVERY } from "./frame-timing.ts";
import type { SessionEvent } from "./events.ts";
import { Metrics } from "./metrics.ts";
import { definePlugin } from "./plugin.ts";
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
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const features = (s: Session) => s.shared("test.features", () => s.audio(8000).pipe(map((f) => (busy(2), f))));
  host.register(definePlugin({ name: "reader", version: "1.0.0", setup: () => (s) => features(s).subscribe(() => busy(1)) }));
  await host.ready();
  host.attach(session);
  for (let i = 0; i < SAMPLE_EVERY; i++) frame();
  const text = await metrics.registry.metrics();
  const sum = (plugin: string) => Number(new RegExp(`parley_plugin_frame_seconds_sum\\{plugin="${plugin}"\\} ([0-9.e-]+)`).exec(text)?.[1]);
  assert.ok(sum("test.features") >= 0.002 && sum("test.features") < 0.0029, `the stream's own 2 ms, not its consumer's: ${sum("test.features")}`);
  assert.ok(sum("reader") >= 0.001 && sum("reader") < 0.0019, `the reader's own 1 ms: ${sum("reader")}`);
  metrics.close();
});

test.run();
