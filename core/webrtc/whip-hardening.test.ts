// WHIP against hostile peers: an offer whose ICE never completes must not hold a socket for ever,
// and a peer may not aim Parley's connectivity checks at broadcast, multicast or unspecified
// addresses, nor hand it candidates without end.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RTCPeerConnection } from "werift";
import { createServer, type ParleyServer } from "../server.ts";
import { metricTotal, sampleProcess, sleep } from "../testing.ts";
import { isForbiddenCandidateAddress, withoutForbiddenCandidates } from "./candidate-policy.ts";

async function withServer(fn: (base: string, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45400-45409" }, webrtc: { interfaces: ["127.0.0.1"], connectTimeoutSeconds: 1 } });
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

test("unspecified, broadcast and multicast addresses are never checked; ordinary ones are", () => {
  for (const address of ["0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "239.255.255.250", "ff02::1", "FF05::2"]) assert.ok(isForbiddenCandidateAddress(address), address);
  for (const address of ["127.0.0.1", "10.0.0.1", "192.168.1.255", "2001:db8::1", "fe80::1"]) assert.not.ok(isForbiddenCandidateAddress(address), address);
  const { sdp, dropped } = withoutForbiddenCandidates("v=0\r\na=candidate:1 1 udp 1 224.0.0.1 9 typ host\r\na=candidate:2 1 udp 1 127.0.0.1 9 typ host\r\n");
  assert.is(dropped, 1);
  assert.ok(sdp.includes("127.0.0.1") && !sdp.includes("224.0.0.1"));
});

test("a WHIP session whose ICE never completes ends with webrtc_timeout and gives its socket back", () =>
  withServer(async (base, server) => {
    const offer = await abandonedOffer();
    const start = sampleProcess();
    const response = await fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: offer });
    assert.is(response.status, 201);
    await response.text();
    const session = server.sessions()[0]!;
    const closed = await Promise.race([session.closed, sleep(5000).then(() => undefined)]);
    assert.is(closed?.reason, "webrtc_timeout");
    await sleep(200);
    const end = sampleProcess();
    assert.ok(end.udpSockets <= start.udpSockets, `UDP sockets ${start.udpSockets} -> ${end.udpSockets}`);
  }));

test("trickled candidates are capped, and those aimed at broadcast or multicast are refused and counted", () =>
  withServer(async (base, server) => {
    const response = await fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: await abandonedOffer() });
    const location = response.headers.get("location")!;
    await response.text();
    const patch = (candidates: string[]) =>
      fetch(`${base}${location}`, { method: "PATCH", headers: { "content-type": "application/trickle-ice-sdpfrag" }, body: ["a=mid:0", ...candidates.map((c) => `a=${c}`), ""].join("\r\n") });
    const flood = Array.from({ length: 1000 }, (_, i) => `candidate:${i} 1 udp 1 127.0.0.1 ${10000 + i} typ host`);
    const tooMany = await patch(flood);
    assert.is(tooMany.status, 400);
    assert.match((await tooMany.json()).error.message, /at most 20 candidates/);
    const hostile = await patch(["candidate:1 1 udp 1 255.255.255.255 9 typ host", "candidate:2 1 udp 1 224.0.0.251 5353 typ host", "candidate:3 1 udp 1 0.0.0.0 9 typ host"]);
    assert.is(hostile.status, 204);
    assert.is(await metricTotal(server.metrics.registry, "parley_webrtc_candidates_refused_total", { reason: "address" }), 3);
  }));

test.run();
