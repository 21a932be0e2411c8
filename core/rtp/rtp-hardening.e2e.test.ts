// Plain RTP against the defects an adversarial test found: a packet from port 65535 (whose RTCP
// port would be 65536), hangups before the first RTCP report, a session told to stream to an
// address that never asked for it (reflection), a stranger's packet that arrives before the
// caller's, and descriptors and UDP sockets left behind by any way a session ends.
import { createSocket, Socket } from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { serializeRtcpCompound } from "../../media/rtcp.ts";
import { sine } from "../../media/signal-test-utils.ts";
import type { ParleyError } from "../errors.ts";
import { createServer, type ParleyServer } from "../server.ts";
import type { CallSession } from "../Session.ts";
import { http, metricTotal, sampleProcess, sleep, waitFor } from "../testing.ts";

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
/** `frames` frames of a 440 Hz tone for a session to play. */
async function* tone(frames: number) {
  for (let i = 0; i < frames; i++) yield { samples: sine(440, 8000, 160), sampleRate: 8000, timestamp: i * 20, seq: i };
}
const packet = (seq: number, ssrc = 9) => serializeRtpPacket({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(160).fill(0xff) });

/** Sends packets 1..count one after the other, as a caller would (Deno's dgram sends a burst of unawaited sends in reverse order). */
async function sendInOrder(socket: Socket, count: number, port: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) await new Promise<void>((resolve) => socket.send(packet(seq), port, "127.0.0.1", () => resolve()));
}

test("a caller on source port 65535 neither ends the process nor its call: RTCP has no port 65536 to go to", () =>
  withServer(async (server) => {
    const caller = await bound(65535);
    if (!caller) throw new Error("port 65535 is taken on this machine");
    try {
      const { session, port } = await server.rtp.open({ codec: "pcmu" });
      await sendInOrder(caller, 3, port);
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
      session.play(tone(50));
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
      await sendInOrder(caller, 3, port);
      await waitFor(() => frames >= 3, 2000, "the caller's frames");
      assert.is(session.info.remote, `127.0.0.1:${caller.address().port}`);
    } finally {
      await close(caller);
      await close(stranger);
    }
  }));

test("with latchAnySource, a non-symmetric session still sends nothing to the named address when a stranger speaks first", () =>
  withServer(async (server) => {
    const named = (await bound())!;
    const stranger = await bound(0, "127.0.0.2");
    if (!stranger) throw new Error("127.0.0.2 cannot be bound on this machine");
    let bytes = 0;
    named.on("message", (message: Uint8Array) => (bytes += message.length));
    try {
      const { session, port } = await server.rtp.open({ codec: "pcmu", remote: `127.0.0.1:${named.address().port}`, symmetric: false });
      session.play(tone(50));
      await sendInOrder(stranger, 5, port);
      await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_received_total")) === 5, 2000, "the stranger heard (latchAnySource)");
      await sleep(400);
      assert.is(bytes, 0, "one packet from anyone must not aim the stream at an address that never asked for it");
    } finally {
      await close(named);
      await close(stranger);
    }
  }, { latchAnySource: true }));

test("an error while handling a caller's packet ends that call alone, as transport_error, and is counted", () =>
  withServer(async (server) => {
    const caller = (await bound())!;
    try {
      const broken = await server.rtp.open({ codec: "pcmu" });
      const healthy = await server.rtp.open({ codec: "pcmu" });
      broken.session.audio$.subscribe(() => {});
      // Stands for any bug on the packet path: the socket's callback throws.
      (broken.session as CallSession).fanout.push = () => {
        throw new Error("a bug on the packet path");
      };
      await sendInOrder(caller, 3, broken.port);
      await waitFor(() => server.session(broken.session.id) === undefined, 2000, "the broken call's end");
      assert.is((await broken.session.closed).reason, "transport_error");
      assert.ok(await metricTotal(server.metrics.registry, "parley_unhandled_errors_total") >= 1, "counted");
      assert.ok(server.session(healthy.session.id), "the other call goes on");
      assert.is(server.rtp.portsInUse, 1, "the broken call's ports came back");
    } finally {
      await close(caller);
    }
  }));

test("a session still being opened when the server closes is refused (503) and gives its ports back", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  await server.listen();
  const opening = server.rtp.open({ codec: "pcmu" });
  const closing = server.close();
  const refused = await opening.then(() => undefined, (error: ParleyError) => error);
  await closing;
  assert.is(refused?.code, "PARLEY_ERR_SHUTTING_DOWN");
  assert.is(refused?.status, 503);
  assert.is(server.sessions().length, 0);
  assert.is(server.rtp.portsInUse, 0);
});

test("a JSON remote that is not an IP address and port is refused with a 400 that says so", () =>
  withServer(async (server) => {
    const base = `http://127.0.0.1:${server.address!.port}`;
    for (const remote of ["example.com:5004", "127.0.0.1:65536", "127.0.0.1:0", "127.0.0.1"]) {
      const answer = await http(base, "/v1/rtp", { method: "POST", contentType: "application/json", body: JSON.stringify({ codec: "pcmu", remote }) });
      assert.is(answer.status, 400, remote);
      assert.match(answer.text, "ip:port", remote);
    }
    assert.is(server.rtp.portsInUse, 0);
  }));

/** Makes every datagram Parley sends to `port` fail later (an error in the send callback) and to `port + 1` fail at once (send throws); returns the undo. */
function failSendsTo(port: number): () => void {
  const original = Socket.prototype.send;
  Socket.prototype.send = function (this: Socket, ...args: unknown[]) {
    // Parley calls send(bytes, port, address, callback).
    const to = args[1];
    if (to === port + 1) throw new Error("send refused at once");
    const callback = args.at(-1);
    if (to === port && typeof callback === "function") return void queueMicrotask(() => callback(new Error("send failed later")));
    return (original as (...a: unknown[]) => void).apply(this, args);
  } as typeof original;
  return () => (Socket.prototype.send = original);
}

test("every way a session ends gives back its descriptors and UDP sockets: API hangup, BYE, timeout, send errors, failed creations, server close", async () => {
  const start = sampleProcess();
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, timeoutSeconds: 1 } });
  await server.listen();
  const peer = (await bound())!;
  const failing = (await bound())!;
  const undoFailures = failSendsTo(failing.address().port);
  const ended: string[] = [];
  const open = async (remote?: string) => {
    const created = await server.rtp.open({ codec: "pcmu", ...(remote ? { remote } : {}) });
    created.session.closed.then((info) => ended.push(info.reason));
    return created;
  };
  try {
    // Hung up by the API before any packet.
    await (await open("127.0.0.1:9")).session.hangup("api");
    // Ended by the peer's BYE.
    const bye = await open();
    peer.send(packet(1, 77), bye.port, "127.0.0.1");
    await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_received_total")) === 1, 2000, "the BYE caller's packet");
    peer.send(serializeRtcpCompound([{ type: "bye", ssrcs: [77], reason: "done" }]), bye.port + 1, "127.0.0.1");
    // Ended by silence of the network (timeout of 1 s).
    const silent = await open();
    peer.send(packet(1), silent.port, "127.0.0.1");
    // Every datagram to this caller fails (RTP later, RTCP at once); the API hangs up after some.
    const unlucky = await open();
    unlucky.session.play(tone(50));
    failing.send(packet(1), unlucky.port, "127.0.0.1");
    await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_discarded_total", { reason: "send_failed" })) >= 3, 2000, "failed sends");
    await unlucky.session.hangup("api");
    // A creation that fails: no common codec.
    await server.rtp.answer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18\r\n").catch(() => {});
    await waitFor(() => ended.includes("remote_bye") && ended.includes("rtp_timeout"), 5000, "the BYE and the timeout");
    // Left for the server's close: a remote at port 65535, a session without one, and one still being opened.
    await open("127.0.0.1:65535");
    await open();
    server.rtp.open({ codec: "pcmu" }).catch(() => ended.push("refused"));
  } finally {
    undoFailures();
    await server.close();
    await close(peer);
    await close(failing);
  }
  assert.equal(ended.sort(), ["api", "api", "refused", "remote_bye", "rtp_timeout", "server_shutdown", "server_shutdown"]);
  assert.is(server.rtp.portsInUse, 0);
  await sleep(100);
  const end = sampleProcess();
  assert.ok(end.fds <= start.fds, `descriptors ${start.fds} -> ${end.fds} (${JSON.stringify(start.fdKinds)} -> ${JSON.stringify(end.fdKinds)})`);
  assert.is(end.udpSockets, start.udpSockets, "UDP sockets");
});

test.run();
