// The transport seam: a server takes whatever transports it is given, lends each one only the
// TransportHost, and starts, awaits and closes them; without a transport its routes are gone.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { jsonResponse } from "./http/routes.ts";
import { createServer } from "./server.ts";
import type { Transport, TransportHost } from "./transport.ts";

/** A transport that opens a session on `POST /v1/fake`, recording what the server did with it. */
class FakeTransport implements Transport {
  readonly name = "fake";
  started = 0;
  closed = 0;
  host?: TransportHost;

  start(host: TransportHost): void {
    this.started++;
    this.host = host;
    host.route("POST", "/v1/fake", () => {
      const session = host.openSession(
        { transport: "fake", codec: "l16", sampleRate: 8000, decodableRates: [8000], outputRate: 8000, frameSamples: 160 },
        () => ({ outputRate: 8000, frameSamples: 160, sendFrame() {}, close() {} }),
      );
      return jsonResponse({ id: session.id }, 201);
    }, { name: "fake", doc: { summary: "Opens a fake session" } });
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

test("a server made with only a custom transport serves its routes and sessions, and has no RTP, WHIP or WebSocket", async () => {
  const fake = new FakeTransport();
  const server = createServer({ logLevel: "silent", http: { port: 0, host: "127.0.0.1" }, transports: [fake] });
  const { port } = await server.listen();
  try {
    assert.is(fake.started, 1);
    assert.is(fake.host!.config, server.config);
    const created = await fetch(`http://127.0.0.1:${port}/v1/fake`, { method: "POST" });
    assert.is(created.status, 201);
    const { id } = await created.json();
    assert.is(server.session(id)?.info.transport, "fake");
    assert.is((await fetch(`http://127.0.0.1:${port}/v1/rtp`, { method: "POST" })).status, 404);
    assert.is((await fetch(`http://127.0.0.1:${port}/whip`, { method: "POST" })).status, 404);
    assert.throws(() => server.rtp, /no "rtp" transport/);
    const paths = Object.keys((await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()).paths);
    assert.ok(paths.includes("/v1/fake") && !paths.includes("/whip"), paths.join(" "));
  } finally {
    await server.close();
  }
  assert.is(fake.closed, 1);
  assert.is(server.sessions().length, 0, "its sessions were ended first");
});

test("the default transports are plain RTP, WHIP and WebSocket, reachable by name", async () => {
  const server = createServer({ logLevel: "silent", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45320-45329" } });
  await server.listen();
  try {
    assert.is(server.transport("rtp"), server.rtp);
    assert.equal([server.rtp.name, server.whip.name, server.webSocket.name], ["rtp", "whip", "webSocket"]);
  } finally {
    await server.close();
  }
});

test("a transport that fails to start makes listen() fail; two transports of one name are a configuration error", async () => {
  const broken: Transport = { name: "broken", start: () => Promise.reject(new Error("library missing")), close: async () => {} };
  const server = createServer({ logLevel: "silent", http: { port: 0, host: "127.0.0.1" }, transports: [broken] });
  try {
    await server.listen();
    assert.unreachable("listen should fail");
  } catch (error) {
    assert.match((error as Error).message, "library missing");
  }
  await server.close();
  assert.throws(() => createServer({ logLevel: "silent", transports: [new FakeTransport(), new FakeTransport()] }), /two transports are named "fake"/);
});

test.run();
