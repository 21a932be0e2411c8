// Plain RTP against the defects an adversarial test found: a packet from port 65535 (whose RTCP
// port would be 65536), hangups before the first RTCP report, a session told to stream to an
// address that never asked for it (reflection), a stranger's packet that arrives before the
// caller's, and descriptors and UDP sockets left behind by any way a session ends.
import { createSocket, type Socket } from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { serializeRtcpCompound } from "../../media/rtcp.ts";
import { sine } from "../../media/signal-test-utils.ts";
import { createServer, type ParleyServer } from "../server.ts";
import { metricTotal, sampleProcess, sleep, waitFor } from "../testing.ts";

const PORTS = "45300-45319";

async function withServer(fn: (server: ParleyServer) => Promise<void>, rtp: object = {}): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, ...rtp } });
  await server.listen();
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function bound(port = 0, address = "127.0.0.1"): Promise<Socket | undefined> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    socket.once("error", () => resolve(undefined));
    socket.bind(port, address, () => resolve(socket));
  });
}

const close = (socket: Socket) => new Promise<void>((resolve) => socket.close(() => resolve()));
const packet = (seq: number, ssrc = 9) => serializeRtpPacket({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(160).fill(0xff) });

test("a caller on source port 65535 neither ends the process nor its call: RTCP has no port 65536 to go to", () =>
  withServer(async (server) => {
    const caller = await bound(65535);
    if (!caller) throw new Error("port 65535 is taken on this machine");
    try {
      const { session, port } = await server.rtp.open({ codec: "pcmu" });
      for (let seq = 1; seq <= 3; seq++) caller.send(packet(seq), port, "127.0.0.1");
      await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_received_total")) === 3, 2000, "the packets");
      // The first RTCP report goes out 2.5 to 7.5 s after the start.
      await sleep(7800);
      assert.ok(server.session(session.id), "the call goes on");
      assert.is(await metricTotal(server.metrics.registry, "parley_unhandled_errors_total"), 0);
    } finally {
      await close(caller);
    }
  }));

test("remotes at port 65535, by JSON and by SDP, are taken, and their hangup before any report releases the ports", () =>
  withServer(async (server) => {
    for (let i = 0; i < 30; i++) {
      const { session } = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:65535" });
      await session.hangup("api");
    }
    const offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 65535 RTP/AVP 0\r\n";
    const { created } = await server.rtp.answer(offer);
    await created.session.hangup("api");
    assert.is(server.rtp.portsInUse, 0, "every pair came back (the range holds 10)");
  }));

test("a non-symmetric session sends nothing to the address it was given until that address has sent it RTP", () =>
  withServer(async (server) => {
    const named = (await bound())!;
    let bytes = 0;
    named.on("message", (message: Uint8Array) => (bytes += message.length));
    try {
      const { session, port } = await server.rtp.open({ codec: "pcmu", remote: `127.0.0.1:${named.address().port}`, symmetric: false });
      session.play((async function* () {
        for (let i = 0; i < 50; i++) yield { samples: sine(440, 8000, 160), sampleRate: 8000, timestamp: i * 20, seq: i };
      })());
      await sleep(400);
      assert.is(bytes, 0, "nothing reached an address that never asked for it");
      named.send(packet(1), port, "127.0.0.1");
      await waitFor(() => bytes > 0, 2000, "audio once the peer has spoken");
    } finally {
      await close(named);
    }
  }));

test("with a signalled remote, a stranger's packet before the caller's is dropped and the caller gets the call", () =>
  withServer(async (server) => {
    const caller = (await bound())!;
    const stranger = await bound(0, "127.0.0.2");
    if (!stranger) throw new Error("127.0.0.2 cannot be bound on this machine");
    let heard = 0;
    caller.on("message", () => heard++);
    try {
      const { session, port } = await server.rtp.open({ codec: "pcmu", remote: `127.0.0.1:${caller.address().port}` });
      let frames = 0;
      session.audio$.subscribe(() => frames++);
      stranger.send(packet(1, 666), port, "127.0.0.1");
      await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_discarded_total", { reason: "unsignalled_source" })) === 1, 2000, "the stranger's packet dropped");
      for (let seq = 1; seq <= 3; seq++) caller.send(packet(seq), port, "127.0.0.1");
      await waitFor(() => frames >= 3, 2000, "the caller's frames");
      assert.is(session.info.remote, `127.0.0.1:${caller.address().port}`);
    } finally {
      await close(caller);
      await close(stranger);
    }
  }));

test("every way a session ends gives back its descriptors and UDP sockets", () =>
  withServer(async (server) => {
    const peer = (await bound())!;
    const start = sampleProcess();
    const ended: string[] = [];
    const open = async (remote?: string) => {
      const created = await server.rtp.open({ codec: "pcmu", ...(remote ? { remote } : {}) });
      created.session.closed.then((info) => ended.push(info.reason));
      return created;
    };
    // Hung up by the API before any packet.
    await (await open("127.0.0.1:9")).session.hangup("api");
    // Ended by the peer's BYE.
    const bye = await open();
    peer.send(packet(1, 77), bye.port, "127.0.0.1");
    await sleep(50);
    peer.send(serializeRtcpCompound([{ type: "bye", ssrcs: [77], reason: "done" }]), bye.port + 1, "127.0.0.1");
    // Ended by silence of the network (timeout of 1 s), and by a send that fails (remote port 65535 latched later).
    const silent = await open();
    peer.send(packet(1), silent.port, "127.0.0.1");
    await open("127.0.0.1:65535");
    // A creation that fails (no common codec) allocates nothing.
    await server.rtp.answer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18\r\n").catch(() => {});
    await waitFor(() => ended.includes("remote_bye") && ended.includes("rtp_timeout"), 5000, "the BYE and the timeout");
    for (const session of server.sessions()) await session.hangup("api");
    await sleep(100);
    const end = sampleProcess();
    assert.ok(end.fds <= start.fds, `descriptors ${start.fds} -> ${end.fds} (${JSON.stringify(start.fdKinds)} -> ${JSON.stringify(end.fdKinds)})`);
    assert.is(end.udpSockets, start.udpSockets, "UDP sockets");
    assert.is(server.rtp.portsInUse, 0);
    await close(peer);
  }, { timeoutSeconds: 1 }));

test.run();
