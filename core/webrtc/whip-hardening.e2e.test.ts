// test: alone (its mediasoup tests need the worker, which CI builds beside the other tests: the alone files run once it is built)
// WHIP against hostile peers: an offer whose ICE never completes must not hold a socket for ever,
// every way out of a session closes its peer connection, and a peer may not aim Parley's
// connectivity checks at broadcast, multicast or unspecified addresses, make it resolve names, nor
// hand it candidates without end. The ways out of a session are checked on both WebRTC edges (on
// mediasoup's, in the worker's process too).
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RTCPeerConnection } from "werift";
import { createServer, type ParleyServer } from "../server.ts";
import { metricByLabel, metricTotal, type ProcessSample, sampleProcess, sleep, waitFor } from "../testing.ts";
import { candidateAddressRefusal, candidateRefusal, screenOffer } from "./candidate-policy.ts";
import type { WebRtcEdgeName } from "./edge.ts";
import { requireMediasoup } from "./mediasoup-testing.ts";
import { callWhip } from "./webrtc-test-peer.ts";

const EDGES: readonly WebRtcEdgeName[] = ["werift", "mediasoup"];

async function withServer(fn: (base: string, server: ParleyServer) => Promise<void>, connectTimeoutSeconds = 1, edge: WebRtcEdgeName = "werift"): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45400-45409" }, webrtc: { interfaces: ["127.0.0.1"], connectTimeoutSeconds, edge, workers: 1 } });
  const { port } = await server.listen();
  try {
    await fn(`http://127.0.0.1:${port}`, server);
  } finally {
    await server.close();
  }
}

/** A real offer from a peer that goes away before answering any check. */
async function abandonedOffer(): Promise<string> {
  const pc = new RTCPeerConnection({ iceUseIpv6: false, iceInterfaceAddresses: { udp4: "127.0.0.1" }, iceAdditionalHostAddresses: ["127.0.0.1"] });
  pc.addTransceiver("audio", { direction: "sendrecv" });
  await pc.setLocalDescription(await pc.createOffer());
  await pc.close();
  return pc.localDescription!.sdp;
}

function post(base: string, sdp: string): Promise<Response> {
  return fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: sdp });
}

/** Opens a WHIP session for an abandoned offer; its resource URL and how many candidates the offer carried. */
async function openAbandoned(base: string): Promise<{ location: string; offered: number }> {
  const offer = await abandonedOffer();
  const response = await post(base, offer);
  assert.is(response.status, 201);
  await response.text();
  return { location: `${base}${response.headers.get("location")}`, offered: offer.match(/^a=candidate:/gm)?.length ?? 0 };
}

function patch(location: string, candidates: string[]): Promise<Response> {
  const body = ["a=mid:0", ...candidates.map((c) => `a=${c}`), ""].join("\r\n");
  return fetch(location, { method: "PATCH", headers: { "content-type": "application/trickle-ice-sdpfrag" }, body });
}

const hostCandidate = (address: string, i = 1) => `candidate:${i} 1 udp 2130706431 ${address} ${10000 + i} typ host`;

/** Open fds other than TCP sockets (the HTTP client's keep-alive connections come and go with the requests). */
function fdsBesideTcp(sample: ProcessSample): number {
  return sample.fds - (sample.fdKinds.socket ?? 0) + sample.udpSockets;
}

/** The pid of this process's one mediasoup worker, if it has one. */
function workerPid(): number | undefined {
  try {
    return Number(execFileSync("pgrep", ["-P", String(process.pid), "-f", "mediasoup-worker"], { encoding: "utf8" }).trim().split("\n")[0]);
  } catch {
    return undefined; // pgrep exits 1 when nothing matches.
  }
}

/**
 * Waits until the process (`pid`, default this one) holds no more UDP sockets and other fds than
 * `before` (werift closes its sockets a moment after close resolves).
 */
async function socketsBack(before: ProcessSample, what: string, pid: number | "self" = "self"): Promise<void> {
  let now = sampleProcess(pid);
  await waitFor(() => {
    now = sampleProcess(pid);
    return now.udpSockets <= before.udpSockets && fdsBesideTcp(now) <= fdsBesideTcp(before);
  }, 3000, what).catch(() => {});
  assert.ok(now.udpSockets <= before.udpSockets, `${what}: UDP sockets ${before.udpSockets} -> ${now.udpSockets}`);
  assert.ok(fdsBesideTcp(now) <= fdsBesideTcp(before), `${what}: fds besides TCP ${fdsBesideTcp(before)} -> ${fdsBesideTcp(now)} (${JSON.stringify(now.fdKinds)})`);
}

test("unspecified, broadcast, multicast, reserved and host-name addresses are refused; unicast IP addresses are kept", () => {
  const refused = {
    "0.0.0.0": "unspecified", "0.1.2.3": "unspecified", "::": "unspecified", "0:0:0:0:0:0:0:0": "unspecified",
    "255.255.255.255": "broadcast", "224.0.0.1": "multicast", "239.255.255.250": "multicast", "ff02::1": "multicast", "FF05::2": "multicast",
    "::ffff:224.0.0.251": "multicast", "::ffff:255.255.255.255": "broadcast", "240.0.0.1": "reserved",
    "4a1c2f3e-1234.local": "hostname", "evil.example.com": "hostname", "224.000.000.001": "hostname",
  };
  for (const [address, reason] of Object.entries(refused)) assert.is(candidateAddressRefusal(address), reason, address);
  for (const address of ["127.0.0.1", "10.0.0.1", "192.168.1.255", "2001:db8::1", "fe80::1", "::ffff:10.0.0.1"]) assert.is(candidateAddressRefusal(address), undefined, address);
  assert.is(candidateRefusal("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"), undefined);
  assert.is(candidateRefusal("candidate:1 1 TCP 2130706431 127.0.0.1 9 typ host tcptype active"), "unsupported");
  for (const line of ["candidate:1 1 udp 1 127.0.0.1 70000 typ host", "candidate:1 1 udp 1 127.0.0.1 0 typ host", "candidate:1 x udp 1 127.0.0.1 9 typ host", "candidate:1 1 udp 1 127.0.0.1"]) {
    assert.is(candidateRefusal(line), "malformed", line);
  }
  const screened = screenOffer(`v=0\r\na=${hostCandidate("224.0.0.1")}\r\na=${hostCandidate("127.0.0.1", 2)}\r\na=${hostCandidate("x.local", 3)}\r\n`);
  assert.equal([screened.candidates, screened.refused], [3, { multicast: 1, hostname: 1 }]);
  assert.ok(screened.sdp.includes("127.0.0.1") && !screened.sdp.includes("224.0.0.1") && !screened.sdp.includes("x.local"));
});

for (const edge of EDGES) {
test(`${edge} edge: a WHIP session whose ICE never completes ends with webrtc_timeout, counted, and gives its socket back`, async () => {
  if (edge === "mediasoup" && !(await requireMediasoup())) return;
  await withServer(async (base, server) => {
    const offer = await abandonedOffer();
    const worker = workerPid();
    const workerBefore = worker && sampleProcess(worker);
    const before = sampleProcess();
    const response = await post(base, offer);
    assert.is(response.status, 201);
    await response.text();
    const session = server.sessions()[0]!;
    const closed = await Promise.race([session.closed, sleep(5000).then(() => undefined)]);
    assert.is(closed?.reason, "webrtc_timeout");
    assert.is(await metricTotal(server.metrics.registry, "parley_sessions_ended_total", { transport: "webrtc", reason: "webrtc_timeout" }), 1);
    await socketsBack(before, "after the timeout");
    if (worker && workerBefore) await socketsBack(workerBefore, "the worker, after the timeout", worker);
  }, 1, edge);
});
}

test("a PATCH of more than 20 candidates, or past 50 in a session, is a 400 that says so, counted", () =>
  withServer(async (base, server) => {
    const { location, offered } = await openAbandoned(base);
    const flood = await patch(location, Array.from({ length: 1000 }, (_, i) => hostCandidate("127.0.0.1", i)));
    assert.is(flood.status, 400);
    const { error } = await flood.json();
    assert.is(error.code, "PARLEY_ERR_TOO_MANY_CANDIDATES");
    assert.match(error.message, /at most 20 a request and 50 a session/);
    // The offer's own candidates count too: 50 in all fit, then no more.
    for (const count of [20, 20, 10 - offered]) assert.is((await patch(location, Array.from({ length: count }, (_, i) => hostCandidate("127.0.0.1", i)))).status, 204, `${count} more`);
    const past = await patch(location, [hostCandidate("127.0.0.1", 99)]);
    assert.is(past.status, 400);
    await past.text();
    assert.is(await metricTotal(server.metrics.registry, "parley_webrtc_candidates_refused_total", { reason: "too_many" }), 1001);
  }, 30));

test("a PATCH naming a broadcast, multicast or unspecified address, or a port outside 1-65535, is a 422 that says why, counted, and adds none of its candidates", () =>
  withServer(async (base, server) => {
    const { location } = await openAbandoned(base);
    for (const [address, reason] of [["255.255.255.255", "broadcast"], ["224.0.0.251", "multicast"], ["0.0.0.0", "unspecified"], ["ff02::1", "multicast"]]) {
      const response = await patch(location, [hostCandidate("127.0.0.1"), hostCandidate(address!, 2)]);
      assert.is(response.status, 422, address);
      const { error } = await response.json();
      assert.is(error.code, "PARLEY_ERR_CANDIDATE_REFUSED");
      assert.match(error.message, new RegExp(`${address!.replaceAll(".", "\\.")} is an? ${reason} address`));
    }
    const badPort = await patch(location, [hostCandidate("127.0.0.1"), "candidate:2 1 udp 1 127.0.0.1 70000 typ host"]);
    assert.is(badPort.status, 422);
    assert.match((await badPort.json()).error.message, /70000 typ host is not a well-formed candidate/);
    assert.equal(await metricByLabel(server.metrics.registry, "parley_webrtc_candidates_refused_total", "reason"), { broadcast: 1, multicast: 2, unspecified: 1, malformed: 1 });
  }, 30));

test("host-name candidates (mDNS .local, DNS names) and TCP candidates are discarded and counted at once: Parley opens no mDNS socket and resolves nothing", () =>
  withServer(async (base, server) => {
    const { location } = await openAbandoned(base);
    const before = sampleProcess();
    const started = performance.now();
    const tcp = "candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active";
    const response = await patch(location, [hostCandidate("1f0a6c2e-5b7d-4c1e-9a3b-6d2f8e4c7a10.local"), hostCandidate("evil.example.com", 2), tcp]);
    assert.is(response.status, 204);
    assert.ok(performance.now() - started < 1000, `the PATCH took ${(performance.now() - started).toFixed(0)} ms`);
    assert.is(sampleProcess().udpSockets, before.udpSockets);
    assert.equal(await metricByLabel(server.metrics.registry, "parley_webrtc_candidates_refused_total", "reason"), { hostname: 2, unsupported: 1 });
  }, 30));

test("an offer's own candidates are screened: forbidden ones are dropped and counted, more than 50 refuse the offer", () =>
  withServer(async (base, server) => {
    const offer = await abandonedOffer();
    const withCandidates = (candidates: string[]) => offer.replace(/(\r\nm=audio [^\r\n]*)/, `$1${candidates.map((c) => `\r\na=${c}`).join("")}`);
    const hostile = await post(base, withCandidates([hostCandidate("255.255.255.255"), hostCandidate("239.1.1.1", 2), hostCandidate("0.0.0.0", 3)]));
    assert.is(hostile.status, 201);
    await hostile.text();
    assert.equal(await metricByLabel(server.metrics.registry, "parley_webrtc_candidates_refused_total", "reason"), { broadcast: 1, multicast: 1, unspecified: 1 });
    const flood = await post(base, withCandidates(Array.from({ length: 60 }, (_, i) => hostCandidate("127.0.0.1", i))));
    assert.is(flood.status, 400);
    assert.is((await flood.json()).error.code, "PARLEY_ERR_TOO_MANY_CANDIDATES");
    assert.is(server.sessions().length, 1);
  }, 30));

for (const edge of EDGES) {
test(`${edge} edge: every way out of a WHIP session closes its peer connection: refused offers, timeout, DELETE, a connected call's DELETE, server close`, async () => {
  if (edge === "mediasoup" && !(await requireMediasoup())) return;
  const offer = await abandonedOffer();
  const before = sampleProcess();
  let lastCaller: RTCPeerConnection | undefined;
  await withServer(async (base, server) => {
    const listening = sampleProcess();
    const worker = workerPid();
    const workerListening = worker && sampleProcess(worker);
    const back = async (what: string) => {
      await socketsBack(listening, what);
      if (worker && workerListening) await socketsBack(workerListening, `the worker, ${what}`, worker);
    };
    const badSdp = await post(base, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n");
    assert.is(badSdp.status, 400, "an offer without ICE and DTLS");
    await badSdp.text();
    const noCodec = await post(base, offer.replace(/a=rtpmap:\d+ (opus|PCMU)\/[^\r\n]*\r\n/gi, "").replace(/(m=audio \S+ \S+)[^\r\n]*/, "$1 98\r\na=rtpmap:98 G7221/16000"));
    assert.is(noCodec.status, 400, "an offer without a common codec");
    await noCodec.text();
    await back("after refused offers");

    const { location } = await openAbandoned(base);
    const deleted = await fetch(location, { method: "DELETE" });
    assert.is(deleted.status, 200);
    await back("after DELETE of an unconnected session");

    const caller = await callWhip(base);
    const session = server.sessions()[0]!;
    await caller.close();
    assert.is((await session.closed).reason, "whip_delete");
    await back("after DELETE of a connected call");

    await openAbandoned(base);
    lastCaller = (await callWhip(base)).pc;
  }, 30, edge);
  await lastCaller?.close();
  await socketsBack(before, "after the server closed with a connected and an unconnected session");
});
}

test.run();
