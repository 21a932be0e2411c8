// The HTTP API under abuse, against a live server with a token: request targets that are not
// paths, probing for routes, HEAD, health details, and an event-stream client that stops reading.
import { connect } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../server.ts";
import { metricTotal, waitFor } from "../testing.ts";

const TOKEN = "hardening-token-1";
const AUTH = { authorization: `Bearer ${TOKEN}` };

async function withServer(fn: (base: string, port: number, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45200-45219" }, auth: { tokens: [TOKEN] } });
  const { port } = await server.listen();
  try {
    await fn(`http://127.0.0.1:${port}`, port, server);
  } finally {
    await server.close();
  }
}

/** Sends `request` as raw bytes (the path exactly as written) and resolves with the status line. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(text.split("\r\n")[0] ?? ""));
    setTimeout(() => socket.destroy(), 2000);
  });
}

test("request targets that are not paths (//, //[, *) get 400 or 401 and the server lives on", () =>
  withServer(async (base, port) => {
    for (const target of ["//", "//[", "*", "//%", "http://[::1"]) {
      const line = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(line, /^HTTP\/1\.1 (400|401) /, `GET ${target}: ${line}`);
      const authed = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
      assert.match(authed, /^HTTP\/1\.1 (400|404) /, `GET ${target} with a token: ${authed}`);
      const upgrade = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      assert.match(upgrade, /^HTTP\/1\.1 (400|401) /, `upgrade of ${target}: ${upgrade}`);
    }
    assert.is((await fetch(`${base}/healthz`)).status, 200, "the server still answers");
  }));

test("without a token every path but the public ones answers 401, so routes cannot be mapped", () =>
  withServer(async (base) => {
    for (const [method, path] of [["GET", "/no/such/route"], ["GET", "/v1/sessions"], ["POST", "/healthz"], ["PUT", "/v1/rtp"], ["GET", "/v1/sessions/x/y"]]) {
      const answer = await fetch(`${base}${path}`, { method });
      assert.is(answer.status, 401, `${method} ${path}`);
      assert.is((await answer.json()).error.code, "PARLEY_ERR_UNAUTHORIZED");
    }
    assert.is((await fetch(`${base}/no/such/route`, { headers: AUTH })).status, 404, "with a token, an unknown route is 404");
    assert.is((await fetch(`${base}/healthz`, { method: "POST", headers: AUTH })).status, 405);
  }));

test("/healthz says only ok; the details are at /v1/health, behind the token", () =>
  withServer(async (base, _port, server) => {
    await server.rtp.open({ codec: "pcmu" });
    assert.equal(await (await fetch(`${base}/healthz`)).json(), { status: "ok" });
    assert.is((await fetch(`${base}/v1/health`)).status, 401);
    const details = await (await fetch(`${base}/v1/health`, { headers: AUTH })).json();
    assert.is(details.status, "ok");
    assert.is(details.sessions, 1);
  }));

test("HEAD is served for GET routes, with the headers and no body", () =>
  withServer(async (base) => {
    const health = await fetch(`${base}/healthz`, { method: "HEAD" });
    assert.is(health.status, 200);
    assert.is(await health.text(), "");
    assert.ok(Number(health.headers.get("content-length")) > 0, "content-length of the GET body");
    assert.is((await fetch(`${base}/metrics`, { method: "HEAD" })).status, 401);
    const metrics = await fetch(`${base}/metrics`, { method: "HEAD", headers: AUTH });
    assert.is(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
    assert.is((await fetch(`${base}/v1/events`, { method: "HEAD", headers: AUTH })).status, 200);
    const wrong = await fetch(`${base}/healthz`, { method: "DELETE", headers: AUTH });
    assert.is(wrong.headers.get("allow"), "GET, HEAD");
  }));

test("an event-stream client that stops reading is dropped and counted; its events are not kept", () =>
  withServer(async (_base, port, server) => {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("data", resolve));
    socket.pause();
    const { session } = await server.rtp.open({ codec: "pcmu" });
    const text = "x".repeat(4000);
    // 80 MB of events: far more than the kernel's socket buffers and the 1 MB allowance.
    for (let i = 0; i < 20000 && (await metricTotal(server.metrics.registry, "parley_slow_clients_dropped_total")) === 0; i++) {
      session.emit({ type: "plugin.error", plugin: "test", message: text, source: "test" });
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_slow_clients_dropped_total", { channel: "sse" })) === 1, 5000, "the slow client dropped");
    socket.destroy();
    await closed;
  }));

test.run();
