// A real client: ffmpeg sends speech to Parley as Opus and as PCMU RTP, negotiated through the
// HTTP API; the echo plugin plays it back one second later to a second ffmpeg that records it.
// Checks what Parley decoded against the source, and what the recorder heard against the source.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subscription } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { echo } from "../../examples/echo.ts";
import { decodeMulaw, encodeMulaw } from "../../media/g711.ts";
import { createResampler } from "../../media/resampler.ts";
import { rms, snrDb } from "../../media/signal-test-utils.ts";
import { createServer, type ParleyServer } from "../server.ts";
import {
  dataDir,
  findAlignment,
  freeUdpPortPair,
  http,
  metricTotal,
  requireData,
  requireTool,
  runFfmpeg,
  sleep,
  spawnFfmpeg,
  waitFor,
} from "../testing.ts";

const SOURCE = "speech/jfk.wav";
const SECONDS = 5;
/** Alignment search: Parley's path adds tens of ms (jitter buffer, resampler, Opus pre-skip). */
const MIN_LAG_SECONDS = -0.1;
const MAX_LAG_SECONDS = 0.5;

/** How one codec is sent, negotiated and compared. */
interface Scenario {
  codec: "pcmu" | "opus";
  payloadType: number;
  rtpmap: string;
  /** Rate of the raw PCM file ffmpeg reads (so ffmpeg never resamples what we compare). */
  inputRate: number;
  encoderArgs: string[];
  /** Rate of `session.audio$`. */
  nativeRate: number;
}

const PCMU: Scenario = {
  codec: "pcmu",
  payloadType: 0,
  rtpmap: "PCMU/8000",
  inputRate: 8000,
  // 160-sample frames give 20 ms packets; ffmpeg would otherwise send 1024-sample ones.
  encoderArgs: ["-af", "asetnsamples=n=160:p=0", "-c:a", "pcm_mulaw"],
  nativeRate: 8000,
};

const OPUS: Scenario = {
  codec: "opus",
  payloadType: 97,
  rtpmap: "opus/48000/2",
  inputRate: 16000,
  encoderArgs: ["-c:a", "libopus", "-b:a", "32k"],
  nativeRate: 48000,
};

/** What one call through Parley produced. */
interface CallResult {
  /** Decoded inbound audio at 16 kHz (`session.audio(16000)`). */
  at16k: Int16Array;
  /** Decoded inbound audio at the codec's rate (`session.audio$`). */
  native: Int16Array;
  nativeFrameRates: Set<number>;
  nativeFrameLengths: Set<number>;
  /** What the second ffmpeg recorded from Parley's outbound RTP, at `recordRate`. */
  recording: Int16Array;
  /** From the first decoded inbound frame to Parley's first outbound packet. */
  echoDelayMs: number;
  packetsReceived: number;
  framesDecoded: number;
}

function prerequisites(): boolean {
  return requireTool("ffmpeg") && requireData(SOURCE);
}

function readRaw(path: string): Int16Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(bytes.byteLength >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, true);
  return samples;
}

function writeRaw(path: string, samples: Int16Array): void {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i]!, true);
  writeFileSync(path, bytes);
}

function concat(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function resample(samples: Int16Array, from: number, to: number): Int16Array {
  return createResampler(from, to).process(samples);
}

/** The first SECONDS of the speech file at 16 kHz, decoded by ffmpeg. */
async function loadSource(dir: string): Promise<Int16Array> {
  const path = join(dir, "source16k.raw");
  await runFfmpeg(["-i", join(dataDir(), SOURCE), "-t", String(SECONDS), "-ac", "1", "-ar", "16000", "-f", "s16le", path], 10000);
  return readRaw(path);
}

function sdp(port: number, scenario: Scenario): string {
  return [
    "v=0",
    "o=- 1 1 IN IP4 127.0.0.1",
    "s=ffmpeg",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${port} RTP/AVP ${scenario.payloadType}`,
    `a=rtpmap:${scenario.payloadType} ${scenario.rtpmap}`,
    "a=sendrecv",
    "",
  ].join("\r\n");
}

async function withServer(fn: (server: ParleyServer, baseUrl: string) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "42000-42099", symmetric: false } }).use(echo);
  const address = await server.listen();
  try {
    await fn(server, `http://127.0.0.1:${address.port}`);
  } finally {
    await server.close();
  }
}

/**
 * One call: a recorder ffmpeg listens where the SDP offer says, the offer goes through the HTTP
 * API, a sender ffmpeg streams `input` to the port of Parley's answer in real time, and the test
 * collects what Parley decoded and what the recorder heard of the echo.
 */
async function callThroughParley(server: ParleyServer, baseUrl: string, scenario: Scenario, input: Int16Array, dir: string): Promise<CallResult> {
  const { registry } = server.metrics;
  const receivedBefore = await metricTotal(registry, "parley_rtp_packets_received_total");
  const decodedBefore = await metricTotal(registry, "parley_frames_decoded_total", { codec: scenario.codec });
  const sentBefore = await metricTotal(registry, "parley_rtp_packets_sent_total");

  const recordPort = await freeUdpPortPair();
  const recordSdp = join(dir, `${scenario.codec}-record.sdp`);
  const recordPath = join(dir, `${scenario.codec}-record.raw`);
  writeFileSync(recordSdp, sdp(recordPort, scenario));
  const recorder = spawnFfmpeg(
    ["-protocol_whitelist", "file,udp,rtp", "-i", recordSdp, "-ac", "1", "-ar", String(scenario.inputRate), "-flush_packets", "1", "-f", "s16le", recordPath],
    (SECONDS + 15) * 1000,
  );

  const answer = await http(baseUrl, "/v1/rtp?symmetric=false", { method: "POST", contentType: "application/sdp", body: sdp(recordPort, scenario) });
  assert.is(answer.status, 201, answer.text);
  const parleyPort = Number(/^m=audio (\d+) /m.exec(answer.text)?.[1]);
  const id = answer.headers.get("location")!.split("/").pop()!;
  const session = server.session(id);
  assert.ok(session, `session ${id} exists`);

  const at16k: Int16Array[] = [];
  const native: Int16Array[] = [];
  const nativeFrameRates = new Set<number>();
  const nativeFrameLengths = new Set<number>();
  let firstFrameAt = 0;
  const subscriptions: Subscription[] = [
    session.audio(16000).subscribe((frame) => at16k.push(frame.samples.slice())),
    session.audio$.subscribe((frame) => {
      firstFrameAt ||= performance.now();
      native.push(frame.samples.slice());
      nativeFrameRates.add(frame.sampleRate);
      nativeFrameLengths.add(frame.samples.length);
    }),
  ];

  // The recorder must be listening before the echo starts, one second after the first packet.
  await sleep(300);
  const inputPath = join(dir, `${scenario.codec}-input.raw`);
  writeRaw(inputPath, input);
  const sender = spawnFfmpeg(
    [
      "-re", "-f", "s16le", "-ar", String(scenario.inputRate), "-ac", "1", "-i", inputPath,
      ...scenario.encoderArgs, "-payload_type", String(scenario.payloadType), "-f", "rtp", `rtp://127.0.0.1:${parleyPort}`,
    ],
    (SECONDS + 10) * 1000,
  );
  await waitFor(() => firstFrameAt > 0, 5000, "the first decoded frame");
  await waitFor(async () => (await metricTotal(registry, "parley_rtp_packets_sent_total")) > sentBefore, 3000, "Parley's first echoed packet", 2);
  const echoDelayMs = performance.now() - firstFrameAt;

  const sent = await sender.done;
  assert.is(sent.code, 0, `sender ffmpeg: ${sent.stderr}`);
  // The echo lags one second behind, then give the recorder a moment to write it out.
  await sleep(1500);
  for (const subscription of subscriptions) subscription.unsubscribe();
  recorder.stop();
  const recorded = await recorder.done;
  assert.not.ok(recorded.timedOut, `recorder ffmpeg did not stop: ${recorded.stderr}`);
  const hangup = await http(baseUrl, `/v1/sessions/${id}`, { method: "DELETE" });
  assert.is(hangup.status, 204);

  return {
    at16k: concat(at16k),
    native: concat(native),
    nativeFrameRates,
    nativeFrameLengths,
    recording: readRaw(recordPath),
    echoDelayMs,
    packetsReceived: (await metricTotal(registry, "parley_rtp_packets_received_total")) - receivedBefore,
    framesDecoded: (await metricTotal(registry, "parley_frames_decoded_total", { codec: scenario.codec })) - decodedBefore,
  };
}

/** Aligns `test` to `reference` (both at `rate`) and measures how alike they are. */
function compare(reference: Int16Array, test: Int16Array, rate: number): { lagMs: number; correlation: number; snr: number } {
  const { lag, correlation } = findAlignment(reference, test, Math.round(MIN_LAG_SECONDS * rate), Math.round(MAX_LAG_SECONDS * rate));
  return { lagMs: (lag * 1000) / rate, correlation, snr: snrDb(reference, test, lag) };
}

function report(label: string, figures: { lagMs: number; correlation: number; snr: number }): string {
  return `${label}: lag ${figures.lagMs.toFixed(1)} ms, correlation ${figures.correlation.toFixed(4)}, SNR ${figures.snr.toFixed(1)} dB`;
}

/** Runs `scenario` in a fresh server and temporary folder, handing the source and the call's outcome to `check`. */
async function run(scenario: Scenario, check: (source16k: Int16Array, input: Int16Array, result: CallResult) => void): Promise<void> {
  if (!prerequisites()) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-ffmpeg-"));
  try {
    const source16k = await loadSource(dir);
    const input = scenario.inputRate === 16000 ? source16k : resample(source16k, 16000, scenario.inputRate);
    await withServer(async (server, baseUrl) => check(source16k, input, await callThroughParley(server, baseUrl, scenario, input, dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkCommon(label: string, result: CallResult, scenario: Scenario): void {
  const packets = SECONDS * 50;
  console.log(`${label}: ${result.packetsReceived} packets received, ${result.framesDecoded} frames decoded, echo after ${result.echoDelayMs.toFixed(0)} ms`);
  assert.ok(result.packetsReceived >= packets * 0.9, `parley_rtp_packets_received_total grew by ${result.packetsReceived}, expected about ${packets}`);
  assert.ok(result.framesDecoded >= packets * 0.9, `parley_frames_decoded_total grew by ${result.framesDecoded}, expected about ${packets}`);
  assert.equal([...result.nativeFrameRates], [scenario.nativeRate], "audio$ runs at the codec's rate");
  assert.equal([...result.nativeFrameLengths], [scenario.nativeRate / 50], "audio$ frames are 20 ms");
  assert.ok(result.echoDelayMs >= 950 && result.echoDelayMs <= 1200, `echo starts ${result.echoDelayMs.toFixed(0)} ms after the first packet, expected about 1000`);
}

test("PCMU from ffmpeg decodes within 20 dB SNR of the G.711 round trip and echoes back to a recording ffmpeg", () =>
  run(PCMU, (_source16k, input8k, result) => {
    // Exactly what G.711 lets through: ffmpeg is fed our own 8 kHz resampling, so only the codec differs.
    const reference8k = decodeMulaw(encodeMulaw(input8k));
    const native = compare(reference8k, result.native, 8000);
    const at16k = compare(resample(reference8k, 8000, 16000), result.at16k, 16000);
    const recording = compare(reference8k, result.recording, 8000);
    console.log(report("PCMU audio$ (8 kHz) vs G.711 reference", native));
    console.log(report("PCMU audio(16000) vs G.711 reference at 16 kHz", at16k));
    console.log(report("PCMU echo recorded by ffmpeg vs G.711 reference", recording));
    console.log(`PCMU recording RMS ${rms(result.recording).toFixed(0)} (reference ${rms(reference8k).toFixed(0)})`);
    checkCommon("PCMU", result, PCMU);
    assert.ok(native.snr >= 20, `audio$ SNR ${native.snr.toFixed(1)} dB, expected >= 20`);
    assert.ok(at16k.snr >= 20, `audio(16000) SNR ${at16k.snr.toFixed(1)} dB, expected >= 20`);
    assert.ok(recording.correlation >= 0.6, `echo correlation ${recording.correlation.toFixed(3)}, expected >= 0.6`);
    assert.ok(result.recording.length >= 8000 * (SECONDS - 1), `recorded ${result.recording.length} samples of echo`);
  }));

test("Opus from ffmpeg decodes with correlation >= 0.8 to the source and echoes back to a recording ffmpeg", () =>
  run(OPUS, (source16k, _input, result) => {
    const at16k = compare(source16k, result.at16k, 16000);
    const native = compare(resample(source16k, 16000, 48000), result.native, 48000);
    const recording = compare(source16k, result.recording, 16000);
    console.log(report("Opus audio(16000) vs source", at16k));
    console.log(report("Opus audio$ (48 kHz) vs source at 48 kHz", native));
    console.log(report("Opus echo recorded by ffmpeg vs source", recording));
    console.log(`Opus recording RMS ${rms(result.recording).toFixed(0)} (source ${rms(source16k).toFixed(0)})`);
    checkCommon("Opus", result, OPUS);
    assert.ok(at16k.correlation >= 0.8, `audio(16000) correlation ${at16k.correlation.toFixed(3)}, expected >= 0.8`);
    assert.ok(native.correlation >= 0.8, `audio$ correlation ${native.correlation.toFixed(3)}, expected >= 0.8`);
    assert.ok(recording.correlation >= 0.6, `echo correlation ${recording.correlation.toFixed(3)}, expected >= 0.6`);
    assert.ok(result.recording.length >= 16000 * (SECONDS - 1), `recorded ${result.recording.length} samples of echo`);
  }));

test.run();
