// test: alone (its mediasoup tests need the worker, which CI builds beside the other tests: the alone files run once it is built)
// The mediasoup edge's own behaviour, with real workers and werift peers: calls spread over the
// workers, a worker that dies takes only its own calls and is replaced, and offers it cannot take
// get a coded 4xx (or 503 where the server is at fault). (Audio both ways on this edge: whip.e2e.test.ts and the chromium console test.)
import { execFileSync } from "node:child_process";
import { firstValueFrom, take, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "../server.ts";
import { waitFor } from "../testing.ts";
import { requireMediasoup } from "./mediasoup-testing.ts";
import { callWhip } from "./webrtc-test-peer.ts";

/** The pids of this process's mediasoup workers. */
function workerPids(): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid), "-f", "mediasoup-worker"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches.
  }
}

test("two calls go to two workers; SIGKILL of one worker ends only its call (webrtc_failed), and a new worker takes new calls", async () => {
  if (!(await requireMediasoup())) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45260-45279" }, webrtc: { interfaces: ["127.0.0.1"], edge: "mediasoup", workers: 2 } });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    assert.is(server.transport("whip").edge, "mediasoup");
    const pids = workerPids();
    assert.is(pids.length, 2, `two workers: ${pids}`);
    const opened = firstValueFrom(server.sessions$.pipe(take(2), toArray()));
    const callers = [await callWhip(base), await callWhip(base)];
    const sessions = await opened;
    const ended: string[] = [];
    for (const session of sessions) void session.closed.then(({ reason }) => ended.push(`${session.id} ${reason}`));

    process.kill(pids[0]!, "SIGKILL");
    await waitFor(() => ended.length === 1, 3000, "one call ended with its worker");
    assert.match(ended[0]!, / webrtc_failed$/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.is(ended.length, 1, "the call on the other worker is still up");

    await waitFor(() => workerPids().length === 2, 5000, "a new worker started");
    const third = firstValueFrom(server.sessions$);
    const caller = await callWhip(base);
    assert.ok(server.session((await third).id), "the new call is up");
    await Promise.all([...callers, caller].map((c) => c.close()));
  } finally {
    await server.close();
  }
  assert.equal(workerPids(), [], "the workers stop with the server");
});

test("offers the mediasoup edge cannot take get a coded 400 and leave nothing behind", async () => {
  if (!(await requireMediasoup())) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45280-45299" }, webrtc: { interfaces: ["127.0.0.1"], edge: "mediasoup", workers: 1 } });
  const { port } = await server.listen();
  const post = (sdp: string) => fetch(`http://127.0.0.1:${port}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: sdp });
  const head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  const media = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
  const ice = "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\na=setup:actpass\r\n";
  const fingerprint = "a=fingerprint:sha-256 " + Array.from({ length: 32 }, () => "AB").join(":") + "\r\n";
  try {
    for (const [sdp, code, why] of [
      [head + media + ice, "PARLEY_ERR_BAD_SDP", /fingerprint/],
      [head + media + fingerprint + "a=setup:actpass\r\n", "PARLEY_ERR_BAD_SDP", /ICE credentials/],
      [head + media.replace("opus/48000/2", "PCMU/8000") + ice + fingerprint, "PARLEY_ERR_NO_COMMON_CODEC", /PCMU/],
    ] as const) {
      const response = await post(sdp);
      const body = await response.json();
      assert.is(response.status, 400, JSON.stringify(body));
      assert.is(body.error.code, code);
      assert.match(body.error.message, why);
    }
    assert.is(server.sessions().length, 0);
  } finally {
    await server.close();
  }
});

test("when the edge's ICE ports are used up a new call is refused with 503, and the call up carries on", async () => {
  if (!(await requireMediasoup())) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45300-45319" }, webrtc: { interfaces: ["127.0.0.1"], edge: "mediasoup", workers: 1, icePorts: "45320-45320" } });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    const opened = firstValueFrom(server.sessions$);
    const first = await callWhip(base);
    const session = await opened;
    try {
      await callWhip(base);
      assert.unreachable("a second call got the only ICE port");
    } catch (error) {
      assert.match((error as Error).message, /WHIP answered 503: .*PARLEY_ERR_UNAVAILABLE/);
    }
    assert.is(server.sessions().length, 1);
    assert.ok(server.session(session.id), "the first call is still up");
    await first.close();
  } finally {
    await server.close();
  }
});

test.run();
