import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../config.ts";
import { createServer, type ParleyServer } from "../server.ts";

const TOKEN = "s3cret-token-1";
const METRICS = "metrics-token-9";

async function withServer(fn: (base: string, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45100-45119" }, auth: { tokens: [TOKEN], metricsTokens: [METRICS] } });
  const { port } = await server.listen();
  try {
    await fn(`http://127.0.0.1:${port}`, server);
  } finally {
    await server.close();
  }
}

test("API routes refuse missing and wrong tokens with 401, a clear message and nothing else", () =>
  withServer(async (base) => {
    const missing = await fetch(`${base}/v1/sessions`);
    assert.is(missing.status, 401);
    assert.is(missing.headers.get("www-authenticate"), 'Bearer realm="parley"');
    const body = await missing.json();
    assert.is(body.error.code, "PARLEY_ERR_UNAUTHORIZED");
    assert.match(body.error.message, "bearer token");
    assert.not.ok(JSON.stringify(body).includes("sessions\":"));
    const wrong = await fetch(`${base}/v1/sessions`, { headers: { authorization: "Bearer nope-nope-nope" } });
    assert.is(wrong.status, 401);
    const wrongPost = await fetch(`${base}/v1/rtp`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"codec":"pcmu"}' });
    assert.is(wrongPost.status, 401, "refused before the body is read or a port allocated");
  }));

test("the right token opens the API, in the header or as access_token for EventSource", () =>
  withServer(async (base) => {
    const ok = await fetch(`${base}/v1/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(ok.status, 200);
    const events = await fetch(`${base}/v1/events?access_token=${TOKEN}`);
    assert.is(events.status, 200);
    await events.body?.cancel();
    const noEvents = await fetch(`${base}/v1/events`);
    assert.is(noEvents.status, 401);
  }));

test("/metrics takes its own token (or an API token); /healthz stays open", () =>
  withServer(async (base) => {
    assert.is((await fetch(`${base}/metrics`)).status, 401);
    assert.is((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).status, 200);
    assert.is((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.is((await fetch(`${base}/v1/sessions`, { headers: { authorization: `Bearer ${METRICS}` } })).status, 403, "the metrics token opens nothing else: a known token of the wrong role");
    assert.is((await fetch(`${base}/healthz`)).status, 200);
  }));

test("tokens are configured as lists; short tokens are refused as configuration", () => {
  const config = resolveConfig({ auth: { tokens: ["aaaaaaaa1", "bbbbbbbb2"], metricsTokens: ["cccccccc3"] } });
  assert.equal(config.auth, { tokens: ["aaaaaaaa1", "bbbbbbbb2"], metricsTokens: ["cccccccc3"], supervisorTokens: [] });
  assert.throws(() => createServer({ auth: { tokens: ["short"] } }), /PARLEY_ERR_CONFIG|fewer than 8/);
});

test.run();
