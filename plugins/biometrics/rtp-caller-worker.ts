// Test support: a caller in a thread of its own, sending a PCMU tone to an RTP port every 20 ms
// on its own clock until told to stop, then reporting how many packets it sent. Because it does
// not share the server's event loop, a blocked loop cannot slow it down: its packets wait in (or
// overflow) the socket's receive buffer, as a real caller's do.
import { createSocket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import { encodeMulaw } from "../../media/g711.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { sine } from "../../media/signal-test-utils.ts";

/** What the caller is told at start. */
export interface RtpCallerData {
  port: number;
  ssrc: number;
}

const FRAME_MS = 20;
const SAMPLES = 160;
const port = parentPort!;
const { port: target, ssrc } = workerData as RtpCallerData;
const payload = encodeMulaw(sine(500, 8000, SAMPLES, 8000));
const socket = createSocket("udp4");
let sent = 0;
let stopping = false;
let start = 0;

function send(): void {
  // Catch up on the packets due, on the caller's own clock, as a real phone does.
  while (!stopping && performance.now() - start >= sent * FRAME_MS) {
    socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: sent & 0xffff, timestamp: sent * SAMPLES, ssrc, payload }), target, "127.0.0.1");
    sent++;
  }
  if (stopping) socket.close(() => port.postMessage({ sent }));
  else setTimeout(send, Math.max(0, start + sent * FRAME_MS - performance.now()));
}

port.on("message", () => {
  stopping = true;
});
socket.bind(0, "127.0.0.1", () => {
  start = performance.now();
  send();
});
