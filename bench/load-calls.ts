// How the load generator places one call on each transport: plain RTP from a UDP socket of its
// own after opening the session over the JSON API, or WebRTC by WHIP from a werift peer.
import { createSocket, type Socket } from "node:dgram";
import { callWhip } from "../core/webrtc/webrtc-test-peer.ts";
import { serializeRtpPacket } from "../media/rtp.ts";

const OPUS_PAYLOAD_TYPE = 111;
const SAMPLES_PER_PACKET = 960;
/** Longest a WHIP call may take to connect (ICE and DTLS) before it counts as failed. */
const WHIP_CONNECT_TIMEOUT_MS = 30_000;

/** One open call the generator streams Opus on. */
export interface LoadCall {
  /** Sends packet `n` of the stream (20 ms of Opus), now. */
  send(n: number, payload: Uint8Array): void;
  /** Hangs up and releases what the call holds. */
  close(): Promise<void>;
}

/** Session metadata the server side reads (load-protocol.ts keys), as strings. */
export type LoadMetadata = Record<string, string>;

function bindSocket(onSendError: () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      // An ICMP error from a closed port must not end the generator; it shows up as loss.
      socket.on("error", onSendError);
      resolve(socket);
    });
  });
}

/** Opens an Opus session over Parley's JSON API and sends it RTP (SSRC `ssrc`) from a socket of its own. */
export async function openRtpCall(url: string, ssrc: number, metadata: LoadMetadata, onSendError: () => void): Promise<LoadCall> {
  const socket = await bindSocket(onSendError);
  const response = await fetch(`${url}/v1/rtp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ codec: "opus", metadata }),
  });
  const body = await response.json() as { id?: string; host?: string; port?: number; error?: { code: string; message: string } };
  if (response.status !== 201 || !body.id || !body.host || !body.port) {
    socket.close();
    throw new Error(`HTTP ${response.status} ${JSON.stringify(body.error ?? body)}`);
  }
  const { id, host, port } = body;
  return {
    send(n, payload) {
      const bytes = serializeRtpPacket({ payloadType: OPUS_PAYLOAD_TYPE, marker: n === 0, sequenceNumber: n & 0xffff, timestamp: (n * SAMPLES_PER_PACKET) >>> 0, ssrc, payload });
      socket.send(bytes, port, host);
    },
    // Hangs up as a SIP gateway does at a BYE, so the session ends now and by the API, not by RTP timeout.
    async close() {
      socket.close();
      await fetch(`${url}/v1/sessions/${id}`, { method: "DELETE" }).then((response) => response.body?.cancel());
    },
  };
}

/**
 * Places a WHIP call from a werift peer on loopback and resolves once DTLS is connected; packets
 * are SRTP-protected by werift in this process. WHIP query parameters become the session's
 * metadata; callWhip posts to `${base}/whip`, so the base ends in an open parameter that takes
 * that suffix as its value.
 */
export async function openWhipCall(url: string, metadata: LoadMetadata): Promise<LoadCall> {
  const query = new URLSearchParams(metadata);
  const caller = await callWhip(`${url}/whip?${query}&path=`, {}, WHIP_CONNECT_TIMEOUT_MS);
  return {
    send: (_n, payload) => caller.sendOpus(payload),
    close: () => caller.close(),
  };
}
