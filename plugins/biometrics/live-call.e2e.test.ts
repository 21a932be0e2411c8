// Issue 10: while the biometrics API analyses the heaviest request it takes, a live call's audio
// keeps flowing. The caller (real RTP over UDP) and the HTTP client each run in a thread of their
// own, so the server's event loop is measured alone: every packet sent must come out as a frame,
// and neither the loop's lag nor the gap between frames may grow past a small bound.
import type { Worker } from "node:worker_threads";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, startWorker } from "../../core/mod.ts";
import { longestGap, metricTotal, waitFor } from "../../core/testing.ts";
import { biometrics } from "./plugin.ts";
import { DEFAULT_ROUTE_LIMITS } from "./routes.ts";
import type { RtpCallerData } from "./rtp-caller-worker.ts";
import { LagProbe, speechWav, ThreadedHttpClient } from "./testing.ts";

/**
 * Worst event-loop lag and gap between frames allowed while the analysis runs, ms. On the main
 * thread the enrollment alone blocked the loop for over a second; the bounds leave room for a
 * machine shared with other work, where an idle server already sees spikes of 50-70 ms.
 */
const MAX_LAG_MS = 150;
const MAX_FRAME_GAP_MS = 200;

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve) => worker.once("message", resolve));
}


test("a live call loses no frame and the event loop stays free while the heaviest enrollment and verification are analysed", async () => {
  // The largest files the default limits take: 10 MiB of 48 kHz enrollment (109 s), 60 s of 48 kHz to verify.
  const enrollment = speechWav(48000, 109);
  const verification = speechWav(48000, 60, 112, 40);
  assert.ok(enrollment.length <= DEFAULT_ROUTE_LIMITS.maxWavBytes && enrollment.length > DEFAULT_ROUTE_LIMITS.maxWavBytes - 48000 * 2);

  const directory = await mkdtemp(join(tmpdir(), "parley-biometrics-live-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47320-47329" } }).use(biometrics, { directory });
  const client = new ThreadedHttpClient();
  let caller: Worker | undefined;
  try {
    const base = `http://127.0.0.1:${(await server.listen()).port}/v1/biometrics/voiceprints/caller-7`;
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    const arrivals: number[] = [];
    session.audio$.subscribe(() => arrivals.push(performance.now()));
    caller = startWorker(new URL("./rtp-caller-worker.ts", import.meta.url), { workerData: { port, ssrc: 0x5eed } satisfies RtpCallerData, name: "test-rtp-caller" });
    await waitFor(() => arrivals.length >= 25, 10_000, "the call's first half second");

    const probe = new LagProbe();
    const from = performance.now();
    const enrolled = await client.send({ url: base, method: "PUT", contentType: "audio/wav", body: enrollment });
    const verified = await client.send({ url: `${base}/verify`, method: "POST", contentType: "audio/wav", body: verification });
    const to = performance.now();
    probe.stop();
    const sent = nextMessage<{ sent: number }>(caller);
    caller.postMessage("hang up");
    const { sent: packets } = await sent;
    await waitFor(() => arrivals.length >= packets, 5000, `${packets} frames`);

    const gap = longestGap(arrivals, from, to);
    console.log(`heaviest requests: enrollment ${enrolled.elapsedMs.toFixed(0)} ms, verification ${verified.elapsedMs.toFixed(0)} ms; event-loop lag worst ${probe.max.toFixed(1)} ms over ${probe.lags.length} samples; longest gap between frames ${gap.toFixed(0)} ms; ${arrivals.length} frames of ${packets} packets`);
    assert.is(enrolled.status, 201, enrolled.text);
    assert.is(verified.status, 200, verified.text);
    assert.is(JSON.parse(verified.text).verdict, "match");
    assert.is(arrivals.length, packets, "every packet became a frame");
    assert.is(await metricTotal(server.metrics.registry, "parley_rtp_packets_lost_total"), 0);
    assert.ok(probe.max < MAX_LAG_MS, `worst event-loop lag ${probe.max.toFixed(1)} ms`);
    assert.ok(gap < MAX_FRAME_GAP_MS, `longest gap between frames ${gap.toFixed(0)} ms`);
  } finally {
    await caller?.terminate();
    await client.close();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test.run();
