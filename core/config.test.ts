import { test } from "uvu";
import * as assert from "uvu/assert";
import { mergeConfig, resolveConfig } from "./config.ts";

test("defaults: port 8080, RTP ports 40000-40999, symmetric, 40 ms jitter bound, log level info", () => {
  const config = resolveConfig({});
  assert.is(config.http.port, 8080);
  assert.is(config.rtp.portMin, 40000);
  assert.is(config.rtp.portMax, 40999);
  assert.ok(config.rtp.symmetric);
  assert.is(config.rtp.maxJitterDelayMs, 40);
  assert.is(config.logLevel, "info");
});

test("the environment does not reach an embedder's configuration", () => {
  const saved = process.env.PARLEY_PORT;
  process.env.PARLEY_PORT = "9090";
  try {
    assert.is(resolveConfig({ http: { port: 0 } }).http.port, 0);
  } finally {
    if (saved === undefined) delete process.env.PARLEY_PORT;
    else process.env.PARLEY_PORT = saved;
  }
});

test("merged layers: a later layer's fields win, the rest of each section is kept", () => {
  const merged = mergeConfig({ http: { port: 1, host: "127.0.0.1" }, logLevel: "warn" }, { http: { port: 2 } }, { rtp: { ports: "50000-50099" } });
  assert.equal(merged, { logLevel: "warn", http: { port: 2, host: "127.0.0.1" }, rtp: { ports: "50000-50099" } });
});

test("invalid configuration fails with a coded, readable error", () => {
  assert.throws(() => resolveConfig({ rtp: { ports: "abc" } }), /must match pattern/);
  assert.throws(() => resolveConfig({ http: { port: 70000 } } as never), /port must be <= 65535/);
  assert.throws(() => resolveConfig({ bogus: 1 } as never), /additional properties/);
  assert.throws(() => resolveConfig({ logLevel: "loud" } as never), /logLevel must be equal to one of the allowed values/);
  assert.throws(() => mergeConfig({}, { rtp: "40000" } as never), /rtp must be object/);
});

test.run();
