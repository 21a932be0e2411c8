// Structured logs (pino): a root logger at the configured level, a child per session with its id,
// and every 5xx answer logged with the request id the client received.
import { pino } from "pino";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "./config.ts";
import { createServer } from "./server.ts";

/** A logger at `level` whose lines are kept, parsed, in `lines`. */
function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

test("an unforeseen failure in a route is a 500 without internals, logged as an error with the request id of the answer", async () => {
  const { lines, logger } = capture();
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, transports: [], logger });
  server.route("GET", "/v1/broken", () => {
    throw new TypeError("secret internals");
  });
  const { port } = await server.listen();
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/v1/broken?access_token=abcdefgh1`);
    assert.is(answer.status, 500);
    const text = await answer.text();
    assert.not.match(text, "secret");
    const requestId = answer.headers.get("x-request-id");
    assert.ok(requestId, "the answer carries its request id");
    const line = lines.find((entry) => entry.requestId === requestId);
    assert.ok(line, `a log line for ${requestId}: ${JSON.stringify(lines)}`);
    assert.is(line.level, 50);
    assert.is(line.status, 500);
    assert.is(line.target, "/v1/broken?access_token=REDACTED", "tokens in the URL are not logged");
    assert.is((line.err as { message: string }).message, "secret internals");
  } finally {
    await server.close();
  }
});

test("a session logs through a child of the server's logger that names the session", async () => {
  const { lines, logger } = capture();
  const server = createServer({ rtp: { ports: "45340-45349" }, logger });
  try {
    const { session } = await server.rtp.open({ codec: "pcmu" });
    session.log.info("hello from the session");
    assert.is(lines.find((entry) => entry.msg === "hello from the session")?.session, session.id);
  } finally {
    await server.close();
  }
});

test("logLevel sets the root logger's level (default info) and is checked like every setting", () => {
  assert.is(resolveConfig({}).logLevel, "info");
  const server = createServer({ logLevel: "warn", transports: [] });
  assert.is(server.log.level, "warn");
  void server.close();
  assert.throws(() => resolveConfig({ logLevel: "chatty" as never }), /PARLEY_ERR_CONFIG|logLevel/);
});

test.run();
