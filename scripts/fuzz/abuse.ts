// Named attacks, each the shape of a defect found by an adversarial test, run against the live
// server before and during the fuzz. Each says what it saw, and throws when the server failed it.
import { connect, type Socket as TcpSocket } from "node:net";
import { RTCPeerConnection } from "werift";
import { WebSocket } from "ws";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { sine } from "../../media/signal-test-utils.ts";
import { writeWav } from "../../media/wav.ts";
import { rawExchange, udpSocket } from "./surfaces.ts";
import type { Target } from "./target.ts";

/** One attack: its name and what it does. */
export interface Abuse {
  name: string;
  run(target: Target): Promise<string>;
}

/** Connections held open during the fuzz by the attacks that outlast their own step. */
export interface Lingering {
  close(): void;
}

const api = (target: Target, path: string, init: RequestInit = {}) =>
  fetch(`${target.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${target.token}`, ...init.headers as Record<string, string> } });

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

async function openRtp(target: Target, body: object): Promise<{ status: number; id?: string; port?: number }> {
  const response = await api(target, "/v1/rtp", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await response.json() as { id?: string; port?: number };
  return { status: response.status, id: json.id, port: json.port };
}

/** The attacks, in the order they run. */
export const ABUSES: Abuse[] = [
  {
    name: "request targets that are not paths (GET //, an upgrade of //[)",
    async run(target) {
      const plain = await rawExchange(target.port, new TextEncoder().encode("GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      const upgrade = await rawExchange(target.port, new TextEncoder().encode("GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
      expect(/^4\d\d$/.test(plain.outcome) && /^4\d\d$/.test(upgrade.outcome), `GET // answered ${plain.outcome}, the upgrade ${upgrade.outcome}`);
      return `GET // ${plain.outcome}, upgrade of //[ ${upgrade.outcome}`;
    },
  },
  {
    name: "RTP from source port 65535, and remotes at port 65535",
    async run(target) {
      const opened = await openRtp(target, { codec: "pcmu" });
      const socket = await udpSocket(65535);
      if (socket && opened.port) {
        socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 5, payload: new Uint8Array(160) }), opened.port, "127.0.0.1");
      }
      const json = await openRtp(target, { codec: "pcmu", remote: "127.0.0.1:65535" });
      const sdp = await api(target, "/v1/rtp", { method: "POST", headers: { "content-type": "application/sdp" }, body: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 65535 RTP/AVP 0\r\n" });
      const sdpId = sdp.headers.get("location")?.split("/").pop();
      await sdp.body?.cancel();
      // RTCP goes out 2.5 to 7.5 s after the start: stay until it has, then hang everything up.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      const deletes = [];
      for (const id of [opened.id, json.id, sdpId]) if (id) deletes.push((await api(target, `/v1/sessions/${id}`, { method: "DELETE" })).status);
      socket?.close();
      expect(!target.exit, "the server exited");
      expect(deletes.every((status) => status === 204 || status === 404), `hangups answered ${deletes.join(", ")}`);
      return `${socket ? "sent from port 65535" : "port 65535 was taken: not sent from it"}; JSON remote ${json.status}, SDP m=audio 65535 ${sdp.status}; hangups ${deletes.join(", ")}`;
    },
  },
  {
    name: "hang up before the first RTCP report, many times (ports must come back)",
    async run(target) {
      const statuses: number[] = [];
      const pairs = (target.rtpPorts.max - target.rtpPorts.min + 1) / 2;
      for (let i = 0; i < pairs * 1.5; i++) {
        const opened = await openRtp(target, { codec: "pcmu", remote: "127.0.0.1:9" });
        expect(opened.status === 201, `open number ${i + 1} answered ${opened.status}: ports leaked`);
        statuses.push((await api(target, `/v1/sessions/${opened.id}`, { method: "DELETE" })).status);
      }
      expect(statuses.every((status) => status === 204), `hangups answered ${[...new Set(statuses)].join(", ")}`);
      return `${statuses.length} sessions opened and hung up at once in a range of ${pairs} port pairs`;
    },
  },
  {
    name: "a 10 MB WAV at 1 kHz to biometric verification",
    async run(target) {
      const wav = writeWav(sine(200, 1000, 5_000_000, 8000), 1000);
      const started = performance.now();
      const response = await api(target, "/v1/biometrics/voiceprints/nobody/verify", { method: "POST", headers: { "content-type": "audio/wav" }, body: wav as Uint8Array<ArrayBuffer> });
      const ms = performance.now() - started;
      await response.body?.cancel();
      expect(response.status >= 400 && response.status < 500, `answered ${response.status}`);
      expect(ms < 3000, `took ${ms.toFixed(0)} ms`);
      return `answered ${response.status} in ${ms.toFixed(0)} ms`;
    },
  },
  {
    name: "WHIP offers whose ICE never completes",
    async run(target) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // A real offer from a peer that then goes away: the server's checks are never answered.
        const pc = new RTCPeerConnection({ iceUseIpv6: false, iceInterfaceAddresses: { udp4: "127.0.0.1" }, iceAdditionalHostAddresses: ["127.0.0.1"] });
        pc.addTransceiver("audio", { direction: "sendrecv" });
        await pc.setLocalDescription(await pc.createOffer());
        await pc.close();
        const response = await api(target, "/whip", { method: "POST", headers: { "content-type": "application/sdp" }, body: pc.localDescription!.sdp });
        statuses.push(response.status);
        await response.body?.cancel();
      }
      expect(statuses.every((status) => status === 201), `offers answered ${statuses.join(", ")}`);
      return `offers answered ${statuses.join(", ")} (their sessions must be gone by the end)`;
    },
  },
  {
    name: "a non-symmetric session toward an address the client names (reflection)",
    async run(target) {
      const victim = (await udpSocket())!;
      let bytes = 0;
      victim.on("message", (message: Uint8Array) => (bytes += message.length));
      const opened = await openRtp(target, { codec: "pcmu", remote: `127.0.0.1:${victim.address().port}`, symmetric: false });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      if (opened.id) await api(target, `/v1/sessions/${opened.id}`, { method: "DELETE" });
      victim.close();
      expect(bytes === 0, `the server sent ${bytes} bytes to an address that never sent it anything`);
      return `open ${opened.status}; 0 bytes reached the named address in 1.5 s`;
    },
  },
  {
    name: "port exhaustion, then reuse",
    async run(target) {
      const ids: string[] = [];
      let status = 201;
      while (status === 201 && ids.length < 1000) {
        const opened = await openRtp(target, { codec: "pcmu" });
        status = opened.status;
        if (opened.id) ids.push(opened.id);
      }
      await Promise.all(ids.map((id) => api(target, `/v1/sessions/${id}`, { method: "DELETE" }).then((r) => r.body?.cancel())));
      const again = await openRtp(target, { codec: "pcmu" });
      if (again.id) await api(target, `/v1/sessions/${again.id}`, { method: "DELETE" });
      expect(status === 503 && again.status === 201, `exhaustion answered ${status}, reuse ${again.status}`);
      return `${ids.length} sessions until 503, then a new one opened`;
    },
  },
  {
    name: "event-stream and WebSocket connection churn",
    async run(target) {
      for (let i = 0; i < 100; i++) {
        const controller = new AbortController();
        const response = await api(target, "/v1/events", { signal: controller.signal });
        controller.abort();
        await response.body?.cancel().catch(() => {});
        const socket = new WebSocket(`ws://127.0.0.1:${target.port}/v1/audio-fork?access_token=${target.token}`);
        await new Promise((resolve) => socket.on("open", resolve).on("error", resolve));
        socket.terminate();
      }
      return "100 event streams and 100 WebSockets opened and dropped";
    },
  },
  {
    name: "audio pushed into a WebSocket far faster than real time",
    async run(target) {
      const socket = new WebSocket(`ws://127.0.0.1:${target.port}/v1/audio-fork?access_token=${target.token}`);
      await new Promise((resolve, reject) => socket.on("open", resolve).on("error", reject));
      socket.send(JSON.stringify({ sampleRate: 8000 }));
      const frame = new Uint8Array(320);
      const started = performance.now();
      // 60 s of audio in one burst.
      for (let i = 0; i < 3000; i++) socket.send(frame);
      const health = await fetch(`${target.baseUrl}/healthz`);
      const ms = performance.now() - started;
      socket.terminate();
      expect(health.status === 200, `health answered ${health.status}`);
      return `60 s of audio sent at once; /healthz answered in ${ms.toFixed(0)} ms`;
    },
  },
];

/** Attacks that stay for the whole fuzz: clients that never read, and slowloris connections. */
export async function startLingeringAbuse(target: Target): Promise<Lingering> {
  const sockets: TcpSocket[] = [];
  const events = connect(target.port, "127.0.0.1", () => events.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${target.token}\r\n\r\n`));
  events.on("error", () => {});
  events.pause();
  sockets.push(events);
  for (let i = 0; i < 20; i++) {
    const slow = connect(target.port, "127.0.0.1", () => slow.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    slow.on("error", () => {});
    sockets.push(slow);
  }
  const trickle = setInterval(() => sockets.slice(1).forEach((socket) => socket.writable && socket.write("X-Slow: 1\r\n")), 5000);
  const deaf = new WebSocket(`ws://127.0.0.1:${target.port}/v1/media-stream?access_token=${target.token}`);
  deaf.on("error", () => {});
  deaf.on("open", () => {
    deaf.send(JSON.stringify({ event: "start", start: { streamSid: "deaf", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
    // Stop reading: whatever the server sends now piles up on its side unless it bounds it.
    (deaf as unknown as { _socket?: TcpSocket })._socket?.pause();
  });
  return {
    close() {
      clearInterval(trickle);
      sockets.forEach((socket) => socket.destroy());
      deaf.terminate();
    },
  };
}
