// The load generator, a process of its own (spawned by bench/load.ts): opens N Opus calls to
// Parley, plain RTP over the JSON API or WebRTC by WHIP (`--webrtc`), and streams real-time Opus
// on each, all paced by one drift-corrected timer. Packet n of a stream leaves at t0 + 20 ms * n,
// with t0 (absolute ms) given to Parley in the session's metadata, so the server side can time
// arrivals without any help from Parley's hot path. A call that connects after its t0 skips the
// packets already due rather than sending them in a burst. Stream phases are spread evenly over
// the 20 ms period, as real calls are.
//
// With `--asr N`, N more calls (stream indexes after the plain ones) carry the speech set instead,
// marked in their metadata for the server to run speech recognition on them; `--sessions 0 --asr N`
// places only those (bench/soak.ts). `--audio speech` or `--audio silence` makes the N calls carry
// the speech set or digital silence instead of speech-like audio (bench:load's default profile).
//
//   node --import tsx bench/load-generator.ts --url http://127.0.0.1:8080 --sessions 50 --seconds 20 [--webrtc] [--asr 20] [--audio speech-like|speech|silence] [--warmup-seconds 1]
import { parseArgs } from "node:util";
import { type LoadCall, type LoadMetadata, openRtpCall, openWhipCall } from "./load-calls.ts";
import { speechSetOpusPackets } from "./load-asr.ts";
import { ASR_KEY, type GeneratorMessage, INDEX_KEY, PACKET_MS, T0_KEY } from "./load-protocol.ts";
import { bitrateKbps, silenceOpusPackets, speechOpusPackets } from "./speech-packets.ts";
import { absoluteNow, distribution } from "./stats.ts";

/** Longest the timer sleeps, so streams opened meanwhile start on time. */
const MAX_SLEEP_MS = 5;
/** Failed opens whose messages the report keeps. */
const KEPT_ERRORS = 5;

/**
 * Per transport: calls opened at once, and how far ahead of its open request a stream's schedule
 * starts, so the session usually exists by then (a WHIP call must also finish ICE and DTLS).
 */
const OPENING = {
  rtp: { concurrency: 8, leadMs: 500 },
  webrtc: { concurrency: 10, leadMs: 2000 },
};

/** One outgoing stream. */
interface Stream {
  readonly call: LoadCall;
  readonly t0: number;
  /** First packet number sent: those due before the call was open are skipped. */
  readonly first: number;
  /** The packets it loops: speech-like audio, or the speech set on a recognition call. */
  readonly packets: readonly Uint8Array[];
  /** Where in its packet loop this stream starts, so streams carry different audio. */
  readonly loopOffset: number;
  /** Next packet number. */
  next: number;
  /** How late each packet left, from packet `first` on. */
  readonly lateness: number[];
}

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    sessions: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    webrtc: { type: "boolean", default: false },
    asr: { type: "string", default: "0" },
    audio: { type: "string", default: "speech-like" },
    // Streams run together this long before the steady-state window starts.
    "warmup-seconds": { type: "string", default: "1" },
  },
});
const url = values.url;
const plainCount = Number(values.sessions);
const asrCount = Number(values.asr);
const sessionCount = plainCount + asrCount;
const seconds = Number(values.seconds);
const warmupMs = Number(values["warmup-seconds"]) * 1000;
if (!url || !(plainCount >= 0) || !(asrCount >= 0) || !(sessionCount >= 1) || !(seconds > 0) || !(warmupMs >= 0) || !["speech-like", "speech", "silence"].includes(values.audio)) {
  throw new Error("usage: load-generator.ts --url http://host:port --sessions N --seconds S [--webrtc] [--asr N] [--audio speech-like|speech|silence] [--warmup-seconds 1]");
}
const opening = values.webrtc ? OPENING.webrtc : OPENING.rtp;

const speechPackets = asrCount > 0 || values.audio === "speech" ? speechSetOpusPackets() : [];
/** What the N calls (not the recognition calls) loop. */
const packets = values.audio === "speech" ? speechPackets : values.audio === "silence" ? silenceOpusPackets(10) : speechOpusPackets(10);
const streams: Stream[] = [];
const openTimes: number[] = [];
const openErrors: string[] = [];
const origin = absoluteNow();
let endAt = Number.POSITIVE_INFINITY;
let sendErrors = 0;
let openFailures = 0;

function send(stream: Stream, due: number): void {
  const n = stream.next++;
  const sentAt = absoluteNow();
  stream.call.send(n, stream.packets[(stream.loopOffset + n) % stream.packets.length]!);
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

function openCall(index: number, metadata: LoadMetadata): Promise<LoadCall> {
  return values.webrtc ? openWhipCall(url!, metadata) : openRtpCall(url!, (0x10000 + index) >>> 0, metadata, () => sendErrors++);
}

/** Opens session `index` with a schedule start on its phase of the 20 ms grid, at least the lead ahead; undefined if it failed. */
async function open(index: number): Promise<Stream | undefined> {
  const phase = (PACKET_MS * index) / sessionCount;
  const t0 = origin + phase + Math.ceil((absoluteNow() + opening.leadMs - origin - phase) / PACKET_MS) * PACKET_MS;
  const started = absoluteNow();
  try {
    const asr = index >= plainCount;
    const call = await openCall(index, { [INDEX_KEY]: String(index), [T0_KEY]: String(t0), ...(asr ? { [ASR_KEY]: "1" } : {}) });
    const openedAt = absoluteNow();
    openTimes.push(openedAt - started);
    const first = Math.max(0, Math.ceil((openedAt - t0) / PACKET_MS));
    const own = asr ? speechPackets : packets;
    return { call, t0, first, packets: own, loopOffset: (index * 37) % own.length, next: first, lateness: [] };
  } catch (error) {
    openFailures++;
    if (openErrors.length < KEPT_ERRORS) openErrors.push(`session ${index}: ${(error as Error).message}`);
    return undefined;
  }
}

function print(message: GeneratorMessage): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const pacing = pace();
let nextIndex = 0;
const opened: (Stream | undefined)[] = new Array(sessionCount);
await Promise.all(Array.from({ length: Math.min(opening.concurrency, sessionCount) }, async () => {
  while (nextIndex < sessionCount) {
    const index = nextIndex++;
    const stream = await open(index);
    opened[index] = stream;
    if (stream) streams.push(stream);
  }
}));
if (streams.length === 0) throw new Error(`no session could be opened: ${openErrors.join("; ")}`);
const lastStart = Math.max(...streams.map((stream) => stream.t0 + stream.first * PACKET_MS));
endAt = lastStart + warmupMs + seconds * 1000;
print({ type: "streaming", steadyFrom: lastStart + warmupMs, steadyUntil: endAt });
const cpuBefore = process.cpuUsage();
const streamingFrom = absoluteNow();
await pacing;
const cpu = process.cpuUsage(cpuBefore);
const cpuPercent = ((cpu.user + cpu.system) / 1000 / (absoluteNow() - streamingFrom)) * 100;
await Promise.all(streams.map((stream) => stream.call.close()));

const latenessBySession = Array.from(opened, (stream) => stream?.lateness ?? []);
print({
  type: "done",
  report: {
    sessions: sessionCount,
    packetsSent: latenessBySession.reduce((sum, lateness) => sum + lateness.length, 0),
    latenessBySession,
    firstPacketBySession: Array.from(opened, (stream) => stream?.first ?? 0),
    latenessMs: distribution(latenessBySession.flat()),
    openMs: distribution(openTimes),
    openFailures,
    openErrors,
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    opusKbps: Math.round(bitrateKbps(packets) * 10) / 10,
    sendErrors,
  },
});
// Whatever a werift peer left running (consent checks, RTCP timers) must not keep the generator
// alive; the write callback runs once the report has gone out.
process.stdout.write("", () => process.exit(0));
