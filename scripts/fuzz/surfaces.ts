// The drivers that deliver hostile inputs to a live server, one per surface: raw HTTP requests,
// WebSocket media messages, and RTP/RTCP datagrams. Each counts what it sent and how the server
// answered; none judges (run.ts does).
import { createSocket, type Socket } from "node:dgram";
import { connect } from "node:net";
import { WebSocket } from "ws";
import { encodeMulaw } from "../../media/g711.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { randomBytes, type Rng, sine } from "../../media/signal-test-utils.ts";
import { hostileHttpRequest } from "./http-inputs.ts";
import { chance, int, pick, uint32 } from "../../media/fuzz-random.ts";
import { hostileRtcp, hostileRtp } from "../../media/rtp-fuzz-inputs.ts";
import type { Target } from "./target.ts";
import { hostileAudioForkMessage, hostileMediaStreamMessage, openingMessage } from "./websocket-inputs.ts";

/** How one surface's inputs fared. */
export interface SurfaceStats {
  inputs: number;
  /** Answers by HTTP status, or `closed` (no answer) and `timeout`. */
  outcomes: Record<string, number>;
}

const ANSWER_TIMEOUT_MS = 1500;

function count(stats: SurfaceStats, outcome: string): void {
  stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
}

/** Writes `bytes` on a new connection and resolves with the answer's status line and headers (then drops the connection). */
export function rawExchange(port: number, bytes: Uint8Array, timeoutMs = ANSWER_TIMEOUT_MS): Promise<{ outcome: string; head: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    let settled = false;
    const settle = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, head });
    };
    const timer = setTimeout(() => settle("timeout"), timeoutMs);
    socket.on("connect", () => socket.write(bytes));
    socket.on("error", () => settle("closed"));
    socket.on("close", () => settle(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? "closed"));
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      head += chunk;
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) {
        head = head.slice(0, end);
        settle(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? "garbled");
      }
    });
  });
}

/** Hangs up a session the fuzz created, so its ports return to the pool. */
function hangUp(target: Target, location: string): Promise<unknown> {
  return fetch(`${target.baseUrl}${location}`, { method: "DELETE", headers: { authorization: `Bearer ${target.token}` } }).then((r) => r.body?.cancel(), () => {});
}

/** Sends `inputs` hostile HTTP requests, `concurrency` at a time; sessions they happen to create are hung up. */
export async function fuzzHttp(rng: Rng, target: Target, inputs: number, sessionIds: () => string[], concurrency = 8): Promise<SurfaceStats> {
  const stats: SurfaceStats = { inputs: 0, outcomes: {} };
  const worker = async () => {
    while (stats.inputs < inputs && !target.exit) {
      stats.inputs++;
      const { outcome, head } = await rawExchange(target.port, hostileHttpRequest(rng, { token: target.token, sessionIds: sessionIds() }));
      count(stats, outcome);
      const location = /^location: (\/(?:v1\/sessions|whip)\/[\w-]+)\s*$/im.exec(head)?.[1];
      if (outcome === "201" && location) await hangUp(target, location);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats;
}

/** Opens WebSocket media connections and sends `inputs` hostile messages over them, a few connections at a time. */
export async function fuzzWebSocket(rng: Rng, target: Target, inputs: number, concurrency = 2): Promise<SurfaceStats> {
  const stats: SurfaceStats = { inputs: 0, outcomes: {} };
  const connection = () =>
    new Promise<void>((resolve) => {
      const shape = pick(rng, ["media-stream", "audio-fork"] as const);
      const url = `ws://127.0.0.1:${target.port}/v1/${shape}${chance(rng, 0.9) ? `?access_token=${target.token}` : ""}`;
      const socket = new WebSocket(url, { maxPayload: 1 << 20 });
      const messages = int(rng, 1, 60);
      const timer = setTimeout(() => socket.terminate(), 5000);
      socket.on("error", () => count(stats, "error"));
      socket.on("unexpected-response", (_request, response) => {
        count(stats, String(response.statusCode));
        socket.terminate();
      });
      socket.on("close", (code) => {
        clearTimeout(timer);
        count(stats, `close_${code}`);
        resolve();
      });
      socket.on("open", () => {
        if (chance(rng, 0.7)) socket.send(openingMessage(shape));
        for (let i = 0; i < messages && stats.inputs < inputs; i++) {
          stats.inputs++;
          const message = shape === "media-stream" ? hostileMediaStreamMessage(rng) : hostileAudioForkMessage(rng);
          socket.send(message, { binary: typeof message !== "string" });
        }
        if (chance(rng, 0.1)) socket.send(new Uint8Array(int(rng, 70000, 200000)));
        setTimeout(() => (chance(rng, 0.5) ? socket.close() : socket.terminate()), int(rng, 0, 300));
      });
    });
  const worker = async () => {
    while (stats.inputs < inputs && !target.exit) await connection();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats;
}

/** A UDP socket on loopback, bound to `port` (0: any); undefined when that port is taken. */
export function udpSocket(port = 0): Promise<Socket | undefined> {
  const socket = createSocket("udp4");
  // A flood makes the kernel refuse a send now and then: the attacker's own loss.
  socket.on("error", () => {});
  return new Promise((resolve) => {
    socket.once("error", () => resolve(undefined));
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });
}

/**
 * Sends `inputs` hostile datagrams: to sessions opened for the fuzz (latched to the attacker, so
 * what parses reaches the jitter buffer and decoder), their RTCP ports, the live call's port from a
 * stranger (which must be ignored), and any port of the RTP range.
 */
export async function fuzzRtp(rng: Rng, target: Target, inputs: number, liveCallPort: number, onSession: (id: string) => void): Promise<SurfaceStats> {
  const stats: SurfaceStats = { inputs: 0, outcomes: {} };
  const attacker = (await udpSocket())!;
  const stranger = (await udpSocket())!;
  const sessions: { port: number; location: string; payloadType: number }[] = [];
  for (const codec of ["pcmu", "opus", "pcma", "l16"]) {
    const response = await fetch(`${target.baseUrl}/v1/rtp`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` }, body: JSON.stringify({ codec }) })
      .catch(() => undefined);
    if (!response) {
      count(stats, "unreachable");
      continue;
    }
    if (response.status !== 201) {
      count(stats, `open_${response.status}`);
      continue;
    }
    const created = await response.json() as { id: string; port: number; payloadType: number; location: string };
    onSession(created.id);
    sessions.push({ port: created.port, location: created.location, payloadType: created.payloadType });
    // The first valid packet latches the session to the attacker.
    attacker.send(serializeRtpPacket({ payloadType: created.payloadType, sequenceNumber: 1, timestamp: 0, ssrc: 7, payload: encodeMulaw(sine(300, 8000, 160)) }), created.port, "127.0.0.1");
  }
  const valid = (payloadType: number) => serializeRtpPacket({
    payloadType: chance(rng, 0.85) ? payloadType : 101,
    sequenceNumber: int(rng, 0, 0xffff),
    timestamp: uint32(rng),
    ssrc: pick(rng, [7, 8, uint32(rng)]),
    marker: chance(rng, 0.1),
    payload: randomBytes(rng, pick(rng, [0, 1, 4, 159, 160, 161, 320, int(rng, 0, 1200)])),
  });
  const { min, max } = target.rtpPorts;
  const BATCH = 64;
  while (stats.inputs < inputs && !target.exit) {
    for (let i = 0; i < BATCH; i++) {
      stats.inputs++;
      const session = sessions.length > 0 ? pick(rng, sessions) : undefined;
      const roll = rng();
      if (session && roll < 0.55) attacker.send(hostileRtp(rng, valid(session.payloadType), [session.payloadType, 101]), session.port, "127.0.0.1");
      else if (session && roll < 0.7) attacker.send(hostileRtcp(rng), session.port + 1, "127.0.0.1");
      else if (roll < 0.74) stranger.send(hostileRtp(rng, valid(0), [0, 101]), liveCallPort, "127.0.0.1");
      else if (roll < 0.76) stranger.send(hostileRtcp(rng), liveCallPort, "127.0.0.1");
      else stranger.send(chance(rng, 0.5) ? hostileRtcp(rng) : hostileRtp(rng, valid(0), [0]), int(rng, min, max), "127.0.0.1");
    }
    // Let both processes breathe: this is hostile input, not a denial of service by volume (which
    // fills any server's socket buffers), so the live call's losses are the server's own.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(sessions.map((session) => hangUp(target, session.location)));
  attacker.close();
  stranger.close();
  count(stats, "datagrams");
  return stats;
}
