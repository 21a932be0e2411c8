import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "./config.ts";

test("defaults: port 8080, RTP ports 40000-40999, symmetric, 40 ms jitter bound", () => {
  const config = resolveConfig({}, {});
  assert.is(config.http.port, 8080);
  assert.is(config.rtp.portMin, 40000);
  assert.is(config.rtp.portMax, 40999);
  assert.ok(config.rtp.symmetric);
  assert.is(config.rtp.maxJitterDelayMs, 40);
});

test("environment overrides code configuration", () => {
  const config = resolveConfig({ http: { port: 1 } }, { PARLEY_PORT: "9090", PARLEY_RTP_PORTS: "50000-50099" });
  assert.is(config.http.port, 9090);
  assert.is(config.rtp.portMin, 50000);
  assert.is(config.rtp.portMax, 50099);
});

test("a config file named by PARLEY_CONFIG is read between code and environment", () => {
  const path = join(tmpdir(), `parley-config-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ rtp: { timeoutSeconds: 5, symmetric: false } }));
  const config = resolveConfig({ rtp: { timeoutSeconds: 9 } }, { PARLEY_CONFIG: path });
  assert.is(config.rtp.timeoutSeconds, 5);
  assert.not.ok(config.rtp.symmetric);
});

test("invalid configuration fails with a coded, readable error", () => {
  assert.throws(() => resolveConfig({}, { PARLEY_PORT: "eighty" }), /PARLEY_PORT="eighty"/);
  assert.throws(() => resolveConfig({ rtp: { ports: "abc" } }, {}), /must match pattern/);
  assert.throws(() => resolveConfig({ http: { port: 70000 } } as never, {}), /port must be <= 65535/);
  assert.throws(() => resolveConfig({ bogus: 1 } as never, {}), /additional properties/);
  assert.throws(() => resolveConfig({}, { PARLEY_CONFIG: "/nonexistent/parley.json" }), /cannot read/);
});

test.run();
