// The call that must survive the attack: a PCMU caller on loopback, placed by SDP offer with
// rtcp-mux, sending a tone every 20 ms. Parley's RTCP receiver reports tell it, as they tell any
// real RTP peer, how many of its packets the server received and lost.
import { createSocket, type Socket } from "node:dgram";
import { encodeMulaw } from "../../media/g711.ts";
import { isRtcpPacket, parseRtcpCompound } from "../../media/rtcp.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { sine } from "../../media/signal-test-utils.ts";

const SSRC = 0x11fe_ca11;
const FRAME = 160;
const FIRST_SEQ = 1000;

/** What the server last reported of this caller's stream. */
export interface LiveCallReport {
  /** Packets the caller sent. */
  sent: number;
  /** Highest sequence number the server had received at its last report (extended). */
  highestSeq: number;
  /** Packets the server counted as lost at its last report. */
  cumulativeLost: number;
  /** Receiver reports that named this stream. */
  reports: number;
}

/** A caller streaming to the server under attack. */
export interface LiveCall {
  readonly sessionId: string;
  /** Parley's RTP port for this call. */
  readonly serverPort: number;
  /** The caller's own port (packets from any other source must be ignored by the server). */
  readonly localPort: number;
  report(): LiveCallReport;
  /** Stops sending, waits for a report covering every packet sent, and hangs up; resolves with that report. */
  finish(timeoutMs?: number): Promise<LiveCallReport>;
}

/** Places the call: offers PCMU with rtcp-mux from a loopback socket and starts the tone. */
export async function startLiveCall(baseUrl: string, token: string): Promise<LiveCall> {
  const socket: Socket = createSocket("udp4");
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const localPort = socket.address().port;
  const offer = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=live", "c=IN IP4 127.0.0.1", "t=0 0", `m=audio ${localPort} RTP/AVP 0`, "a=rtcp-mux", "a=sendrecv", ""].join("\r\n");
  const response = await fetch(`${baseUrl}/v1/rtp`, { method: "POST", headers: { "content-type": "application/sdp", authorization: `Bearer ${token}` }, body: offer });
  if (response.status !== 201) throw new Error(`the live call was refused: ${response.status} ${await response.text()}`);
  const sessionId = response.headers.get("location")!.split("/").pop()!;
  const serverPort = Number(/^m=audio (\d+)/m.exec(await response.text())![1]);
  const state: LiveCallReport = { sent: 0, highestSeq: 0, cumulativeLost: 0, reports: 0 };
  socket.on("message", (message: Uint8Array) => {
    if (!isRtcpPacket(message)) return;
    try {
      for (const packet of parseRtcpCompound(message)) {
        if (packet.type !== "sr" && packet.type !== "rr") continue;
        for (const block of packet.reports) {
          if (block.ssrc !== SSRC) continue;
          state.highestSeq = block.highestSeq;
          state.cumulativeLost = block.cumulativeLost;
          state.reports++;
        }
      }
    } catch {
      // Not ours to judge: the server's RTCP is checked by its own tests.
    }
  });
  const tone = encodeMulaw(sine(500, 8000, FRAME * 50, 8000));
  const started = performance.now();
  // Paced by the clock, not by counting timer ticks, so a late timer sends what is due.
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / 20) + 1;
    while (state.sent < due) {
      const seq = FIRST_SEQ + state.sent;
      const offset = (state.sent % 50) * FRAME;
      socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: seq, timestamp: state.sent * FRAME, ssrc: SSRC, payload: tone.subarray(offset, offset + FRAME) }), serverPort, "127.0.0.1");
      state.sent++;
    }
  }, 10);
  return {
    sessionId,
    serverPort,
    localPort,
    report: () => ({ ...state }),
    async finish(timeoutMs = 15000) {
      const lastSeq = FIRST_SEQ + state.sent - 1;
      // Reports come every 2.5 to 7.5 s; keep the call alive (still sending) until one covers what was sent.
      const deadline = performance.now() + timeoutMs;
      while ((state.highestSeq & 0xffff) < (lastSeq & 0xffff) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      clearInterval(timer);
      await fetch(`${baseUrl}/v1/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      return { ...state };
    },
  };
}
