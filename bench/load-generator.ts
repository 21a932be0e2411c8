// The load generator, a process of its own (spawned by bench/load.ts): opens N Opus sessions over
// Parley's JSON API and streams real-time RTP to each from its own UDP socket, all paced by one
// drift-corrected timer. Packet n of a stream leaves at t0 + 20 ms * n, with t0 (absolute ms) given
// to Parley in the session's metadata, so the server side can time arrivals without any help from
// Parley's hot path. Stream phases are spread evenly over the 20 ms period, as real calls are.
//
//   node --import tsx bench/load-generator.ts --url http://127.0.0.1:8080 --sessions 50 --seconds 20
import { createSocket, type Socket } from "node:dgram";
import { parseArgs } from "node:util";
import { serializeRtpPacket } from "../media/rtp.ts";
import { type GeneratorMessage, INDEX_KEY, PACKET_MS, T0_KEY } from "./load-protocol.ts";
import { bitrateKbps, speechOpusPackets } from "./speech-packets.ts";
import { absoluteNow, distribution } from "./stats.ts";

/** How far ahead of its open request a stream's schedule starts, so the session exists by then. */
const LEAD_MS = 500;
/** Streams run together this long before the steady-state window starts. */
const WARMUP_MS = 1000;
/** Longest the timer sleeps, so streams opened meanwhile start on time. */
const MAX_SLEEP_MS = 5;
const OPEN_CONCURRENCY = 8;
const OPUS_PAYLOAD_TYPE = 111;
const SAMPLES_PER_PACKET = 960;

/** One outgoing stream. */
interface Stream {
  readonly socket: Socket;
  readonly host: string;
  readonly port: number;
  readonly t0: number;
  readonly ssrc: number;
  /** Where in the shared packet loop this stream starts, so streams carry different audio. */
  readonly loopOffset: number;
  /** Next packet number. */
  next: number;
  readonly lateness: number[];
}

const { values } = parseArgs({
  options: { url: { type: "string" }, sessions: { type: "string", default: "50" }, seconds: { type: "string", default: "20" } },
});
const url = values.url;
const sessionCount = Number(values.sessions);
const seconds = Number(values.seconds);
if (!url || !(sessionCount >= 1) || !(seconds > 0)) throw new Error("usage: load-generator.ts --url http://host:port --sessions N --seconds S");

const packets = speechOpusPackets(10);
const streams: Stream[] = [];
const openTimes: number[] = [];
const origin = absoluteNow();
let endAt = Number.POSITIVE_INFINITY;
let sendErrors = 0;

function send(stream: Stream, due: number): void {
  const n = stream.next++;
  const bytes = serializeRtpPacket({
    payloadType: OPUS_PAYLOAD_TYPE,
    marker: n === 0,
    sequenceNumber: n & 0xffff,
    timestamp: (n * SAMPLES_PER_PACKET) >>> 0,
    ssrc: stream.ssrc,
    payload: packets[(stream.loopOffset + n) % packets.length]!,
  });
  const sentAt = absoluteNow();
  stream.socket.send(bytes, stream.port, stream.host);
  stream.lateness.push(Math.round((sentAt - due) * 1000) / 1000);
}

/** Sends every packet that is due; returns when the next one is. */
function sendDue(): number {
  let nextDue = Number.POSITIVE_INFINITY;
  for (const stream of streams) {
    let due = stream.t0 + PACKET_MS * stream.next;
    while (due < endAt && due <= absoluteNow()) {
      send(stream, due);
      due += PACKET_MS;
    }
    if (due < endAt) nextDue = Math.min(nextDue, due);
  }
  return nextDue;
}

/** Runs the shared timer until every stream has sent its last packet. */
function pace(): Promise<void> {
  return new Promise((resolve) => {
    const tick = () => {
      const nextDue = sendDue();
      if (nextDue === Number.POSITIVE_INFINITY && endAt !== Number.POSITIVE_INFINITY) {
        resolve();
        return;
      }
      setTimeout(tick, Math.min(MAX_SLEEP_MS, Math.max(0, nextDue - absoluteNow())));
    };
    tick();
  });
}

function bindSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      // An ICMP error from a closed port must not end the generator; it shows up as loss.
      socket.on("error", () => sendErrors++);
      resolve(socket);
    });
  });
}

/** Opens session `index` with a schedule start on its phase of the 20 ms grid, at least LEAD_MS ahead. */
async function open(index: number): Promise<Stream> {
  const socket = await bindSocket();
  const phase = (PACKET_MS * index) / sessionCount;
  const t0 = origin + phase + Math.ceil((absoluteNow() + LEAD_MS - origin - phase) / PACKET_MS) * PACKET_MS;
  const started = absoluteNow();
  const response = await fetch(`${url}/v1/rtp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ codec: "opus", metadata: { [INDEX_KEY]: String(index), [T0_KEY]: String(t0) } }),
  });
  const body = await response.json() as { host?: string; port?: number; error?: { code: string; message: string } };
  if (response.status !== 201 || !body.host || !body.port) throw new Error(`opening session ${index}: HTTP ${response.status} ${JSON.stringify(body.error ?? body)}`);
  openTimes.push(absoluteNow() - started);
  return { socket, host: body.host, port: body.port, t0, ssrc: (0x10000 + index) >>> 0, loopOffset: (index * 37) % packets.length, next: 0, lateness: [] };
}

function print(message: GeneratorMessage): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const pacing = pace();
let nextIndex = 0;
const opened: Stream[] = new Array(sessionCount);
await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, sessionCount) }, async () => {
  while (nextIndex < sessionCount) {
    const index = nextIndex++;
    const stream = await open(index);
    opened[index] = stream;
    streams.push(stream);
  }
}));
const lastStart = Math.max(...streams.map((stream) => stream.t0));
endAt = lastStart + WARMUP_MS + seconds * 1000;
print({ type: "streaming", steadyFrom: lastStart + WARMUP_MS, steadyUntil: endAt });
const cpuBefore = process.cpuUsage();
const streamingFrom = absoluteNow();
await pacing;
const cpu = process.cpuUsage(cpuBefore);
const cpuPercent = ((cpu.user + cpu.system) / 1000 / (absoluteNow() - streamingFrom)) * 100;
for (const stream of streams) stream.socket.close();

const latenessBySession = opened.map((stream) => stream.lateness);
print({
  type: "done",
  report: {
    sessions: sessionCount,
    packetsSent: latenessBySession.reduce((sum, lateness) => sum + lateness.length, 0),
    latenessBySession,
    latenessMs: distribution(latenessBySession.flat()),
    openMs: distribution(openTimes),
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    opusKbps: Math.round(bitrateKbps(packets) * 10) / 10,
    sendErrors,
  },
});
