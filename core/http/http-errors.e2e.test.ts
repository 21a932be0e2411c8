// The HTTP API against a live server: every kind of bad request gets the right status and a JSON
// error with a stable code and a message that says what was wrong; the good paths (SDP offer,
// JSON allocation, session listing and hangup, metrics, server-sent events) answer as documented.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../server.ts";
import { http, type HttpAnswer, waitFor } from "../testing.ts";

const SDP = "application/sdp";
const JSON_TYPE = "application/json";

async function withServer(fn: (baseUrl: string, server: ParleyServer) => Promise<void>, ports = "42200-42299"): Promise<void> {
  // "error": the 503s provoked here are logged as warnings.
  const server = createServer({ logLevel: "error", http: { port: 0, host: "127.0.0.1" }, rtp: { ports } });
  const address = await server.listen();
  try {
    await fn(`http://127.0.0.1:${address.port}`, server);
  } finally {
    await server.close();
  }
}

function offer(mLine: string, ...attributes: string[]): string {
  return ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=test", "c=IN IP4 127.0.0.1", "t=0 0", mLine, ...attributes, ""].join("\r\n");
}

/** Asserts a JSON error answer: its status, code, and a message matching `message`. */
function assertError(answer: HttpAnswer, status: number, code: string, message: RegExp): void {
  assert.is(answer.status, status, `status of ${answer.text}`);
  assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
  const { error } = answer.json<{ error: { code: string; message: string } }>();
  assert.is(error.code, code);
  assert.match(error.message, message);
}

const post = (baseUrl: string, path: string, contentType: string | undefined, body: string) =>
  http(baseUrl, path, { method: "POST", contentType, body });

test("malformed SDP offers are refused with 400 PARLEY_ERR_BAD_SDP saying what is wrong", () =>
  withServer(async (baseUrl, server) => {
    const cases: [string, string, RegExp][] = [
      ["no v=0", offer("m=audio 5000 RTP/AVP 0").replace("v=0\r\n", ""), /first line must be "v=0"/],
      ["no m=audio", offer("m=video 5000 RTP/AVP 96", "a=rtpmap:96 VP8/90000"), /no m=audio/],
      ["bad port", offer("m=audio 99999 RTP/AVP 0"), /bad port "99999"/],
      ["non-numeric port", offer("m=audio five RTP/AVP 0"), /bad port "five"/],
      ["bad payload type", offer("m=audio 5000 RTP/AVP 0 300"), /bad payload types/],
      ["bad transport", offer("m=audio 5000 TCP/MSRP *"), /unsupported transport/],
      ["bad c= line", offer("m=audio 5000 RTP/AVP 0").replace("c=IN IP4 127.0.0.1", "c=IN XX"), /bad c= line/],
      ["garbage", "hello, this is not SDP", /first line must be "v=0"/],
      ["garbage after v=0", "v=0\r\nthis is not sdp\r\n", /not of the form x=value/],
      ["empty", "", /first line must be "v=0"/],
    ];
    for (const [label, body, message] of cases) {
      const answer = await post(baseUrl, "/v1/rtp", SDP, body);
      try {
        assertError(answer, 400, "PARLEY_ERR_BAD_SDP", message);
      } catch (error) {
        throw new Error(`${label}: ${(error as Error).message}`);
      }
    }
    assert.is(server.sessions().length, 0, "no session was created");
  }));

test("an offer of only G.729 is refused with 400 PARLEY_ERR_NO_COMMON_CODEC naming what was offered", () =>
  withServer(async (baseUrl, server) => {
    const answer = await post(baseUrl, "/v1/rtp", SDP, offer("m=audio 5000 RTP/AVP 18", "a=rtpmap:18 G729/8000"));
    assertError(answer, 400, "PARLEY_ERR_NO_COMMON_CODEC", /g729\/8000.*supported: opus, PCMU/i);
    assert.is(server.sessions().length, 0);
  }));

test("JSON requests with an unknown codec, bad JSON or bad fields are refused with 400", () =>
  withServer(async (baseUrl, server) => {
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"g729"}'), 400, "PARLEY_ERR_UNKNOWN_CODEC", /"g729"/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, "{}"), 400, "PARLEY_ERR_UNKNOWN_CODEC", /undefined|codec/i);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu",'), 400, "PARLEY_ERR_BAD_JSON", /not valid JSON/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '["pcmu"]'), 400, "PARLEY_ERR_BAD_JSON", /expected a JSON object/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu","remote":"nowhere"}'), 400, "PARLEY_ERR_BAD_REQUEST", /"remote" must be "ip:port"/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu","remote":"10.0.0.1:70000"}'), 400, "PARLEY_ERR_BAD_REQUEST", /ip:port/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu","symmetric":"yes"}'), 400, "PARLEY_ERR_BAD_REQUEST", /"symmetric"/);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu","metadata":[1]}'), 400, "PARLEY_ERR_BAD_REQUEST", /"metadata"/);
    assert.is(server.sessions().length, 0);
  }));

test("a body of the wrong content type is refused with 415 naming the expected types", () =>
  withServer(async (baseUrl) => {
    assertError(await post(baseUrl, "/v1/rtp", "text/plain", "codec=pcmu"), 415, "PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", /text\/plain.*application\/sdp or application\/json/);
    // fetch labels a string body text/plain; bytes go without a content type.
    const untyped = await http(baseUrl, "/v1/rtp", { method: "POST", body: new TextEncoder().encode('{"codec":"pcmu"}') });
    assertError(untyped, 415, "PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", /Content-Type \(none\)/);
  }));

test("a body over 64 KiB is refused with 413, whether its length is declared or streamed", () =>
  withServer(async (baseUrl, server) => {
    const big = offer("m=audio 5000 RTP/AVP 0", ...Array.from({ length: 3000 }, (_, i) => `a=x-padding-${i}:${"x".repeat(20)}`));
    assert.ok(big.length > 65536);
    assertError(await post(baseUrl, "/v1/rtp", SDP, big), 413, "PARLEY_ERR_BODY_TOO_LARGE", /65536/);
    const chunks = new TextEncoder().encode(big);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 8192) controller.enqueue(chunks.subarray(i, i + 8192));
        controller.close();
      },
    });
    const response = await fetch(`${baseUrl}/v1/rtp`, { method: "POST", headers: { "content-type": SDP }, body: streamed, duplex: "half" } as RequestInit);
    const text = await response.text();
    assertError({ status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }, 413, "PARLEY_ERR_BODY_TOO_LARGE", /65536/);
    assert.is(server.sessions().length, 0);
    assert.is((await http(baseUrl, "/healthz")).status, 200, "the server still answers");
  }));

test("unknown routes answer 404, wrong methods 405 with Allow, unknown sessions 404", () =>
  withServer(async (baseUrl) => {
    assertError(await http(baseUrl, "/v2/nothing"), 404, "PARLEY_ERR_NOT_FOUND", /Route \/v2\/nothing not found/);
    assertError(await http(baseUrl, "/v1/rtp/extra", { method: "POST" }), 404, "PARLEY_ERR_NOT_FOUND", /\/v1\/rtp\/extra/);
    const put = await http(baseUrl, "/v1/rtp", { method: "PUT", contentType: JSON_TYPE, body: "{}" });
    assertError(put, 405, "PARLEY_ERR_METHOD_NOT_ALLOWED", /PUT not allowed on \/v1\/rtp/);
    assert.is(put.headers.get("allow"), "POST");
    const postHealth = await http(baseUrl, "/healthz", { method: "POST" });
    assertError(postHealth, 405, "PARLEY_ERR_METHOD_NOT_ALLOWED", /POST not allowed on \/healthz/);
    assert.is(postHealth.headers.get("allow"), "GET, HEAD");
    assert.is((await http(baseUrl, "/v1/sessions/abc", { method: "PATCH" })).headers.get("allow"), "GET, HEAD, DELETE");
    assertError(await http(baseUrl, "/v1/sessions/no-such-id", { method: "DELETE" }), 404, "PARLEY_ERR_NOT_FOUND", /Session no-such-id not found/);
    assertError(await http(baseUrl, "/v1/sessions/no-such-id"), 404, "PARLEY_ERR_NOT_FOUND", /no-such-id/);
  }));

test("when the RTP port range is used up, a new session is refused with 503 PARLEY_ERR_PORTS_EXHAUSTED", () =>
  withServer(async (baseUrl, server) => {
    const first = await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu"}');
    const second = await post(baseUrl, "/v1/rtp", SDP, offer("m=audio 5000 RTP/AVP 0"));
    assert.is(first.status, 201);
    assert.is(second.status, 201);
    assertError(await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"opus"}'), 503, "PARLEY_ERR_PORTS_EXHAUSTED", /No free RTP ports in 42300-42303/);
    assertError(await post(baseUrl, "/v1/rtp", SDP, offer("m=audio 5000 RTP/AVP 0")), 503, "PARLEY_ERR_PORTS_EXHAUSTED", /42300-42303/);
    assert.is(server.sessions().length, 2);
    assert.is((await http(baseUrl, first.headers.get("location")!, { method: "DELETE" })).status, 204);
    assert.is((await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"opus"}')).status, 201, "a hung-up session's ports are free again");
  }, "42300-42303"));

test("an SDP offer gets 201 with an SDP answer for the first common codec and a Location", () =>
  withServer(async (baseUrl, server) => {
    const answer = await post(baseUrl, "/v1/rtp", SDP, offer("m=audio 5004 RTP/AVP 18 0 101", "a=rtpmap:18 G729/8000", "a=rtpmap:101 telephone-event/8000", "a=ptime:20"));
    assert.is(answer.status, 201, answer.text);
    assert.match(answer.headers.get("content-type") ?? "", /^application\/sdp/);
    const location = answer.headers.get("location") ?? "";
    assert.match(location, /^\/v1\/sessions\/[0-9a-f-]{36}$/);
    const session = server.session(location.split("/").pop()!);
    assert.ok(session, "the Location names a live session");
    const port = Number(/^m=audio (\d+) RTP\/AVP 0 101\r$/m.exec(answer.text)?.[1]);
    assert.ok(port >= 42200 && port <= 42299 && port % 2 === 0, `answer port ${port} is an even port of the range`);
    assert.match(answer.text, /^v=0\r\n/);
    assert.match(answer.text, /^c=IN IP4 127\.0\.0\.1\r$/m);
    assert.match(answer.text, /^a=rtpmap:0 PCMU\/8000\r$/m);
    assert.match(answer.text, /^a=rtpmap:101 telephone-event\/8000\r$/m);
    assert.match(answer.text, /^a=sendrecv\r$/m);
    assert.not.match(answer.text, /G729/i, "the unsupported codec is not answered");
    assert.is(session.info.codec, "pcmu");
    assert.is(session.info.local, `127.0.0.1:${port}`);
  }));

test("a JSON allocation gets 201 with host and port, is listed, and DELETE ends it with 204", () =>
  withServer(async (baseUrl, server) => {
    const created = await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"opus","metadata":{"caller":"+15550100"}}');
    assert.is(created.status, 201, created.text);
    const body = created.json<{ id: string; host: string; port: number; codec: string; payloadType: number; metadata: Record<string, string> }>();
    assert.is(body.host, "127.0.0.1");
    assert.ok(body.port >= 42200 && body.port <= 42299);
    assert.is(body.codec, "opus");
    assert.is(body.payloadType, 111);
    assert.equal(body.metadata, { caller: "+15550100" });
    assert.is(created.headers.get("location"), `/v1/sessions/${body.id}`);

    const list = (await http(baseUrl, "/v1/sessions")).json<{ sessions: { id: string }[] }>();
    assert.equal(list.sessions.map((s) => s.id), [body.id]);
    assert.is((await http(baseUrl, `/v1/sessions/${body.id}`)).json<{ id: string }>().id, body.id);

    const session = server.session(body.id)!;
    const deleted = await http(baseUrl, `/v1/sessions/${body.id}`, { method: "DELETE" });
    assert.is(deleted.status, 204);
    assert.is(deleted.text, "");
    assert.is((await session.closed).reason, "api");
    assert.equal((await http(baseUrl, "/v1/sessions")).json<{ sessions: unknown[] }>().sessions, []);
    assertError(await http(baseUrl, `/v1/sessions/${body.id}`), 404, "PARLEY_ERR_NOT_FOUND", /not found/);
  }));

test("/metrics is Prometheus text with Parley's metrics, and /healthz reports ok", () =>
  withServer(async (baseUrl) => {
    await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"g729"}');
    const metrics = await http(baseUrl, "/metrics");
    assert.is(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.text, /^# TYPE parley_sessions_active gauge$/m);
    assert.match(metrics.text, /^# TYPE parley_rtp_packets_discarded_total counter$/m);
    assert.match(metrics.text, /^parley_http_requests_total\{route="rtp",status="400"\} 1$/m);
    const health = await http(baseUrl, "/healthz");
    assert.is(health.status, 200);
    assert.equal(health.json(), { status: "ok" });
  }));

test("GET /v1/events streams session.started and session.ended as server-sent events", () =>
  withServer(async (baseUrl) => {
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}/v1/events`, { signal: abort.signal });
    assert.is(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    let text = "";
    const reader = response.body!.getReader();
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        // Aborted at the end of the test.
      }
    })();
    try {
      await waitFor(() => text.includes(": parley events"), 2000, "the stream's opening comment");
      const created = (await post(baseUrl, "/v1/rtp", JSON_TYPE, '{"codec":"pcmu"}')).json<{ id: string }>();
      await http(baseUrl, `/v1/sessions/${created.id}`, { method: "DELETE" });
      await waitFor(() => text.includes("event: session.ended"), 2000, "session.ended on the stream");
      const events = text.split("\n\n").filter((block) => block.startsWith("event: ")).map((block) => {
        const [eventLine, dataLine] = block.split("\n");
        return { type: eventLine!.slice("event: ".length), data: JSON.parse(dataLine!.slice("data: ".length)) as Record<string, unknown> };
      });
      const started = events.find((e) => e.type === "session.started");
      const ended = events.find((e) => e.type === "session.ended");
      assert.ok(started && ended, `both events arrived: ${events.map((e) => e.type).join(", ")}`);
      assert.is(started.data.sessionId, created.id);
      assert.is(started.data.transport, "rtp");
      assert.is(started.data.codec, "pcmu");
      assert.is(ended.data.sessionId, created.id);
      assert.is(ended.data.reason, "api");
      assert.type(ended.data.ts, "number");
    } finally {
      abort.abort();
      await reading;
    }
  }));

test.run();
