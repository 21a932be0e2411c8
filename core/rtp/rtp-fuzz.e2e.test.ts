// Bad input against a live server: while one good PCMU call streams a tone, hundreds of thousands
// of hostile RTP and RTCP datagrams (random bytes, bit flips, truncations, lying CSRC counts,
// extension lengths and padding, wrong payload types and versions, RTCP with bad lengths) hit that
// call's ports from its own socket (so whatever still parses reaches the jitter buffer and the
// decoder) and a second, Opus, session's ports from another socket. The server must not throw,
// must stay healthy, and the good call must keep flowing.
import { createSocket, type Socket } from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeMulaw } from "../../media/g711.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { createRng, randomBytes, sine } from "../../media/signal-test-utils.ts";
import { flipBits, int, pick } from "../../media/fuzz-random.ts";
import { hostileRtcp, hostileRtp } from "../../media/rtp-fuzz-inputs.ts";
import { OpusEncoder } from "../opus.ts";
import { createServer, type ParleyServer } from "../server.ts";
import type { Session } from "../Session.ts";
import { http, longestGap, metricByLabel, metricTotal, sleep, waitFor } from "../testing.ts";

const DATAGRAMS = 200_000;
const BATCH = 64;
const SEED = 0xfa22_2025;
const GOOD_SSRC = 0x600d_ca11;
const PCMU_PT = 0;
const OPUS_PT = 111;
/** Telephone-event payload type Parley takes on sessions opened from code. */
const DTMF_PT = 101;
/** The good call's tone: 500 Hz is exactly 10 cycles per 160-sample frame, so one DFT bin holds it all. */
const TONE_HZ = 500;
const FRAME = 160;

/** Share of a frame's energy in the good call's tone (1 for the tone, near 0 for noise). */
function toneShare(samples: Int16Array): number {
  if (samples.length !== FRAME) return 0;
  let re = 0;
  let im = 0;
  let energy = 0;
  for (let n = 0; n < FRAME; n++) {
    const angle = (2 * Math.PI * TONE_HZ * n) / 8000;
    re += samples[n]! * Math.cos(angle);
    im += samples[n]! * Math.sin(angle);
    energy += samples[n]! * samples[n]!;
  }
  return energy > 0 ? (2 * (re * re + im * im)) / (FRAME * energy) : 0;
}

function udpSocket(): Promise<Socket> {
  const socket = createSocket("udp4");
  // Under this flood the kernel may refuse a send now and then; that is the test's own loss.
  socket.on("error", () => {});
  return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve(socket)));
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** Counts frames of a session's audio at two rates, and when the good call's tone last came through. */
function watch(session: Session) {
  const seen = { frames: 0, toneFrames: 0, toneArrivals: [] as number[] };
  const subscriptions = [
    session.audio$.subscribe((frame) => {
      seen.frames++;
      if (toneShare(frame.samples) > 0.8) {
        seen.toneFrames++;
        seen.toneArrivals.push(performance.now());
      }
    }),
    session.audio(16000).subscribe(() => {}),
  ];
  return { seen, stop: () => subscriptions.forEach((subscription) => subscription.unsubscribe()) };
}


async function withServer(fn: (server: ParleyServer, baseUrl: string) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "42100-42199" } });
  const address = await server.listen();
  try {
    await fn(server, `http://127.0.0.1:${address.port}`);
  } finally {
    await server.close();
  }
}

/** Sends datagrams one after the other (Deno may reorder sends that are not awaited). */
async function sendInOrder(socket: Socket, port: number, datagrams: Uint8Array[]): Promise<void> {
  for (const datagram of datagrams) await new Promise<void>((resolve) => socket.send(datagram, port, "127.0.0.1", () => resolve()));
}

/** A PCMU packet of a 500 Hz tone. */
function pcmuPacket(sequenceNumber: number, ssrc: number): Uint8Array {
  return serializeRtpPacket({ payloadType: PCMU_PT, sequenceNumber, timestamp: sequenceNumber * FRAME, ssrc, payload: encodeMulaw(sine(TONE_HZ, 8000, FRAME, 8000)) });
}

test("a sequence-number jump of thousands buys no burst of concealed frames", () =>
  withServer(async (server) => {
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    let frames = 0;
    session.audio$.subscribe(() => frames++);
    const socket = await udpSocket();
    try {
      await sendInOrder(socket, port, [1, 2, 3, 4, 5, 2900, 2901].map((seq) => pcmuPacket(seq, GOOD_SSRC)));
      await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_rtp_packets_received_total")) === 7, 2000, "all 7 packets");
      await sleep(60);
      const lost = await metricTotal(server.metrics.registry, "parley_rtp_packets_lost_total");
      assert.is(lost, 2894, "the numbers skipped are counted as lost");
      assert.ok(frames >= 7 && frames <= 7 + 5, `${frames} frames for 7 packets: concealment stays within real time`);
    } finally {
      await closeSocket(socket);
    }
  }));

test("a new SSRC's first packet is decoded at once, not dropped as too old", () =>
  withServer(async (server) => {
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    let frames = 0;
    session.audio$.subscribe(() => frames++);
    const socket = await udpSocket();
    try {
      await sendInOrder(socket, port, [pcmuPacket(100, 1), pcmuPacket(101, 1), pcmuPacket(102, 1), pcmuPacket(40000, 2)]);
      await waitFor(() => frames === 4, 2000, "4 decoded frames");
      assert.is(await metricTotal(server.metrics.registry, "parley_rtp_packets_discarded_total", { reason: "too_old" }), 0);
    } finally {
      await closeSocket(socket);
    }
  }));

test("200,000 hostile RTP/RTCP datagrams neither crash the server nor interrupt a good call beside them", async () => {
  let uncaught = 0;
  const onUncaught = (error: unknown) => {
    uncaught++;
    console.error("uncaught during fuzz:", error);
  };
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
  try {
    await withServer(async (server, baseUrl) => {
      const { registry } = server.metrics;
      const good = await server.rtp.open({ codec: "pcmu" });
      const other = await server.rtp.open({ codec: "opus" });
      const goodWatch = watch(good.session);
      const otherWatch = watch(other.session);
      const [goodSocket, strangerSocket] = [await udpSocket(), await udpSocket()];

      // The good call: a 500 Hz tone, one PCMU packet every 20 ms.
      const tone = encodeMulaw(sine(TONE_HZ, 8000, 8000 * 60, 8000));
      let goodSeq = 1000;
      const sendGood = () => {
        const offset = ((goodSeq - 1000) * FRAME) % (tone.length - FRAME);
        const payload = tone.subarray(offset, offset + FRAME);
        goodSocket.send(serializeRtpPacket({ payloadType: PCMU_PT, sequenceNumber: goodSeq, timestamp: goodSeq * FRAME, ssrc: GOOD_SSRC, payload }), good.port, "127.0.0.1");
        goodSeq++;
      };
      const goodTimer = setInterval(sendGood, 20);
      try {
        await sleep(500);
        const framesBefore = goodWatch.seen.toneFrames;
        assert.ok(framesBefore >= 15, `the good call flows before the fuzz (${framesBefore} tone frames)`);

        const rng = createRng(SEED);
        const opusEncoder = new OpusEncoder(48000);
        const opusPayloads = Array.from({ length: 16 }, (_, i) => opusEncoder.encode(sine(200 + 100 * i, 48000, 960, 10000)));
        // Packets the sessions would accept: the good call's own SSRC near its current sequence number
        // (so they mix into its jitter buffer), or other SSRCs; PCMU, DTMF or Opus payloads of any size.
        const validForGood = () =>
          serializeRtpPacket({
            payloadType: rng() < 0.8 ? PCMU_PT : DTMF_PT,
            sequenceNumber: rng() < 0.5 ? goodSeq + int(rng, -20, 20) : int(rng, 0, 0xffff),
            timestamp: rng() * 2 ** 32 >>> 0,
            ssrc: rng() < 0.5 ? GOOD_SSRC : rng() * 2 ** 32 >>> 0,
            marker: rng() < 0.1,
            payload: randomBytes(rng, pick(rng, [0, 1, 4, 159, 160, 161, int(rng, 0, 1200)])),
          });
        const validForOther = () =>
          serializeRtpPacket({
            payloadType: OPUS_PT,
            sequenceNumber: int(rng, 0, 0xffff),
            timestamp: rng() * 2 ** 32 >>> 0,
            ssrc: pick(rng, [1, 2, rng() * 2 ** 32 >>> 0]),
            payload: rng() < 0.5 ? flipBits(rng, pick(rng, opusPayloads)) : randomBytes(rng, int(rng, 0, 400)),
          });
        // The other session latches to the stranger socket's first valid packet, then decodes its garbage.
        strangerSocket.send(serializeRtpPacket({ payloadType: OPUS_PT, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: opusPayloads[0]! }), other.port, "127.0.0.1");

        const targets: { weight: number; socket: Socket; port: number; make: () => Uint8Array }[] = [
          { weight: 0.35, socket: goodSocket, port: good.port, make: () => hostileRtp(rng, validForGood(), [PCMU_PT, DTMF_PT]) },
          { weight: 0.1, socket: goodSocket, port: good.port + 1, make: () => hostileRtcp(rng) },
          { weight: 0.05, socket: goodSocket, port: good.port, make: () => hostileRtcp(rng) },
          { weight: 0.3, socket: strangerSocket, port: other.port, make: () => hostileRtp(rng, validForOther(), [OPUS_PT]) },
          { weight: 0.1, socket: strangerSocket, port: other.port + 1, make: () => hostileRtcp(rng) },
          { weight: 0.1, socket: strangerSocket, port: good.port, make: () => hostileRtp(rng, validForGood(), [PCMU_PT, DTMF_PT]) },
        ];
        const pickTarget = () => {
          let r = rng();
          for (const target of targets) if ((r -= target.weight) < 0) return target;
          return targets[0]!;
        };

        const seenBefore = await metricTotal(registry, "parley_rtp_packets_discarded_total") + await metricTotal(registry, "parley_rtp_packets_received_total");
        const fuzzStart = performance.now();
        for (let sent = 0; sent < DATAGRAMS; sent += BATCH) {
          for (let i = 0; i < BATCH; i++) {
            const target = pickTarget();
            target.socket.send(target.make(), target.port, "127.0.0.1");
          }
          // Let the server read its sockets and the good call's timer run between batches.
          await sleep(0);
        }
        const fuzzEnd = performance.now();
        await sleep(500);
        const framesAfterFuzz = goodWatch.seen.toneFrames;
        await sleep(500);

        const fuzzSeconds = (fuzzEnd - fuzzStart) / 1000;
        const discards = await metricByLabel(registry, "parley_rtp_packets_discarded_total", "reason");
        const handled = await metricTotal(registry, "parley_rtp_packets_discarded_total") + await metricTotal(registry, "parley_rtp_packets_received_total") - seenBefore;
        const rtcpHandled = await metricTotal(registry, "parley_rtcp_packets_received_total");
        const lost = await metricTotal(registry, "parley_rtp_packets_lost_total");
        const decoded = await metricTotal(registry, "parley_frames_decoded_total");
        const concealed = await metricTotal(registry, "parley_frames_concealed_total");
        const toneDuringFuzz = goodWatch.seen.toneArrivals.filter((t) => t >= fuzzStart && t <= fuzzEnd).length;
        const gap = longestGap(goodWatch.seen.toneArrivals, fuzzStart, fuzzEnd);
        const unhandled = await metricTotal(registry, "parley_unhandled_errors_total");
        console.log(`fuzz: ${DATAGRAMS} datagrams sent in ${fuzzSeconds.toFixed(1)} s (${(DATAGRAMS / fuzzSeconds).toFixed(0)}/s); ${handled} accounted for in metrics (discarded or accepted), ${rtcpHandled} RTCP packets parsed`);
        console.log(`fuzz: ${decoded} frames decoded, ${lost} sequence numbers lost, ${concealed} frames concealed`);
        console.log(`fuzz: discards by reason ${JSON.stringify(discards)}`);
        console.log(`fuzz: good call ${toneDuringFuzz} tone frames during the fuzz (${(fuzzSeconds * 50).toFixed(0)} sent), longest gap ${gap.toFixed(0)} ms; ${goodWatch.seen.frames} frames in all; other session decoded ${otherWatch.seen.frames} frames; ${unhandled} contained errors`);

        assert.is(uncaught, 0, "no uncaught exception or unhandled rejection");
        assert.is(unhandled, 0, "no error reached the server's last-resort handler");
        const health = await http(baseUrl, "/healthz");
        assert.is(health.status, 200);
        assert.ok(server.session(good.session.id), "the good call is still up");
        assert.ok(server.session(other.session.id), "the fuzzed session is still up");
        assert.ok(toneDuringFuzz >= fuzzSeconds * 50 * 0.5, `the good call kept flowing during the fuzz (${toneDuringFuzz} tone frames in ${fuzzSeconds.toFixed(1)} s)`);
        assert.ok(gap < 1000, `the good call never stalled for long (longest gap ${gap.toFixed(0)} ms)`);
        assert.ok(goodWatch.seen.toneFrames - framesAfterFuzz >= 20, "the good call still flows after the fuzz");
        assert.ok(otherWatch.seen.frames > 0, "garbage that parses reached the Opus decoder");
        assert.ok(concealed < decoded, `sequence jumps did not buy bursts of concealment (${concealed} concealed, ${decoded} decoded, ${lost} lost)`);
        assert.ok(handled >= DATAGRAMS * 0.25, `the server read a good share of the datagrams (${handled})`);
        for (const reason of ["bad_version", "too_short", "unknown_payload_type", "unlatched_source", "bad_csrc", "bad_extension", "bad_padding", "rtcp_bad_length"]) {
          assert.ok((discards[reason] ?? 0) > 0, `discards counted under reason ${reason}`);
        }
        goodWatch.stop();
        otherWatch.stop();
      } finally {
        clearInterval(goodTimer);
        await Promise.all([goodSocket, strangerSocket].map(closeSocket));
      }
    });
  } finally {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
  }
});

test.run();
