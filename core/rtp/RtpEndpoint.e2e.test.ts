import { createSocket, type Socket } from "node:dgram";
import { firstValueFrom, filter, take, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DtmfReceiver, dtmfPackets } from "../../media/dtmf.ts";
import { encodeMulaw } from "../../media/g711.ts";
import { isRtcpPacket, parseRtcpCompound, serializeRtcpCompound } from "../../media/rtcp.ts";
import { parseRtpPacket, type RtpPacket, serializeRtpPacket } from "../../media/rtp.ts";
import { sine } from "../../media/signal-test-utils.ts";
import { createServer, type ParleyServer } from "../server.ts";
import type { Session } from "../Session.ts";
import { waitFor } from "../testing.ts";

/** A test peer: one UDP socket that sends RTP to Parley and collects what comes back. */
class Peer {
  readonly socket: Socket = createSocket("udp4");
  readonly rtp: RtpPacket[] = [];
  readonly rtcp: Uint8Array[] = [];
  seq = 1000;
  ts = 5000;
  constructor(readonly port: number, public ssrc = 0x1234) {
    this.socket.on("message", (message) => {
      if (isRtcpPacket(message)) this.rtcp.push(new Uint8Array(message));
      else this.rtp.push(parseRtpPacket(new Uint8Array(message)));
    });
  }
  async bind(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
    return this.socket.address().port;
  }
  /** Resolves once the datagram has left: awaiting each keeps a burst in order (Deno's dgram reverses a same-tick burst). */
  send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => this.socket.send(bytes, this.port, "127.0.0.1", () => resolve()));
  }
  sendAudio(samples: Int16Array, payloadType = 0): Promise<void> {
    const sent = this.send(serializeRtpPacket({ payloadType, sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts, ssrc: this.ssrc, payload: encodeMulaw(samples) }));
    this.ts += samples.length;
    return sent;
  }
  close(): void {
    this.socket.close();
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withServer(fn: (server: ParleyServer) => Promise<void>, rtp: object = {}): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "44000-44099", ...rtp } });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function call(server: ParleyServer): Promise<{ session: Session; peer: Peer }> {
  const { session, port } = await server.rtp.open({ codec: "pcmu" });
  const peer = new Peer(port);
  await peer.bind();
  session.closed.then(() => peer.close());
  return { session, peer };
}

test("PCMU packets arrive decoded at 8 kHz and resampled at 16 kHz, in order", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    const at8 = firstValueFrom(session.audio$.pipe(take(10), toArray()));
    const at16 = firstValueFrom(session.audio(16000).pipe(take(10), toArray()));
    // Two packets more than the frames awaited, so a late last packet cannot hold the check up.
    const tone = sine(440, 8000, 1920, 8000);
    for (let i = 0; i < 12; i++) await peer.sendAudio(tone.subarray(i * 160, (i + 1) * 160));
    const frames8 = await at8;
    const frames16 = await at16;
    assert.equal(frames8.map((f) => f.timestamp), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    assert.ok(frames8.every((f) => f.samples.length === 160 && f.sampleRate === 8000));
    assert.ok(frames16.every((f) => f.samples.length === 320 && f.sampleRate === 16000));
    assert.ok(Math.max(...frames8[5].samples) > 6000, "the tone survives the G.711 round trip");
  }));

test("session.play sends paced RTP: marker on the first packet, consecutive numbers, 160-sample steps", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    peer.sendAudio(new Int16Array(160));
    await wait(30);
    const tone = sine(1000, 8000, 8000 / 5, 8000);
    const playback = session.play([{ samples: tone, sampleRate: 8000, timestamp: 0, seq: 0 }].values() as never);
    await playback.done;
    await wait(30);
    const sent = peer.rtp.filter((p) => p.payloadType === 0);
    assert.is(sent.length, 10);
    assert.ok(sent[0].marker && !sent[1].marker);
    for (let i = 1; i < sent.length; i++) {
      assert.is((sent[i].sequenceNumber - sent[i - 1].sequenceNumber) & 0xffff, 1);
      assert.is((sent[i].timestamp - sent[i - 1].timestamp) >>> 0, 160);
    }
  }));

test("DTMF (RFC 4733) is reported once per key press and can be sent", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    const digit = firstValueFrom(session.events$.pipe(filter((e) => e.type === "dtmf")));
    peer.sendAudio(new Int16Array(160));
    for (const packet of dtmfPackets("5", { durationMs: 120 })) {
      peer.send(serializeRtpPacket({ payloadType: 101, sequenceNumber: peer.seq++, timestamp: 9999, ssrc: peer.ssrc, marker: packet.marker, payload: packet.payload }));
      await wait(2);
    }
    const event = await digit;
    assert.equal([event.type === "dtmf" && event.digit, event.type === "dtmf" && event.durationMs], ["5", 120]);
    session.sendDtmf("7", 100);
    await wait(200);
    const receiver = new DtmfReceiver();
    const heard = peer.rtp.filter((p) => p.payloadType === 101).map((p) => receiver.push(p.timestamp, p.payload)).filter(Boolean);
    assert.equal(heard.map((d) => d!.digit), ["7"]);
  }));

test("symmetric RTP: Parley latches to the first source and counts packets from others", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    const intruder = new Peer(peer.port, 0x9999);
    await intruder.bind();
    peer.sendAudio(new Int16Array(160));
    await wait(20);
    intruder.sendAudio(new Int16Array(160));
    await wait(20);
    session.play([{ samples: new Int16Array(160), sampleRate: 8000, timestamp: 0, seq: 0 }].values() as never);
    await wait(60);
    intruder.close();
    assert.match(await server.metrics.registry.metrics(), /parley_rtp_packets_discarded_total\{transport="rtp",reason="unlatched_source"\} 1/);
    assert.ok(peer.rtp.length >= 1, "audio goes back to the latched source");
    assert.is(session.info.remote, `127.0.0.1:${peer.socket.address().port}`);
  }));

test("a new SSRC restarts the stream and is reported", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    const changed = firstValueFrom(session.events$.pipe(filter((e) => e.type === "media.ssrc_changed")));
    const firstFrame = firstValueFrom(session.audio$);
    peer.sendAudio(new Int16Array(160));
    // The first stream must have been taken in before the second starts (a fixed 5 ms wait was too short for a loaded machine).
    await firstFrame;
    peer.ssrc = 0xabcdef;
    peer.seq = 7;
    peer.sendAudio(new Int16Array(160));
    const event = await changed;
    assert.is(event.type === "media.ssrc_changed" && event.ssrc, 0xabcdef);
  }));

test("RTCP BYE from the peer ends the session; hangup sends SR/RR, SDES and BYE (rtcp-mux)", () =>
  withServer(async (server) => {
    const peer = new Peer(0);
    const peerPort = await peer.bind();
    const offer = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${peerPort} RTP/AVP 0\r\na=rtcp-mux\r\n`;
    const { created } = await server.rtp.answer(offer);
    (peer as { port: number }).port = created.port;
    peer.sendAudio(new Int16Array(160));
    await wait(20);
    const second = await server.rtp.answer(offer);
    // The second session must hear the peer before it sends it anything, its BYE included.
    (peer as { port: number }).port = second.created.port;
    peer.sendAudio(new Int16Array(160));
    await wait(20);
    (peer as { port: number }).port = created.port;
    await second.created.session.hangup("test");
    // The closing compound packet is sent as the session ends; wait for it rather than a fixed time.
    const types = () => peer.rtcp.flatMap((bytes) => parseRtcpCompound(bytes).map((p) => p.type));
    await waitFor(() => types().includes("bye"), 2000, "the BYE at the peer");
    assert.ok(types().includes("sdes") && (types().includes("rr") || types().includes("sr")), types().join(","));
    peer.send(serializeRtcpCompound([{ type: "bye", ssrcs: [peer.ssrc] }]));
    const closed = await created.session.closed;
    assert.is(closed.reason, "remote_bye");
    peer.close();
  }));

test("a session whose media stops is ended after the timeout", () =>
  withServer(async (server) => {
    const { session, peer } = await call(server);
    peer.sendAudio(new Int16Array(160));
    const closed = await session.closed;
    assert.is(closed.reason, "rtp_timeout");
  }, { timeoutSeconds: 0.2 }));

test.run();
