// The biometrics API refuses what it would refuse before paying for it (issue 10: a 10 MB WAV at
// 1 kHz posted to verify blocked the event loop for 28 s): unknown speakers before the body is
// read, unsupported or overlong audio from the WAV header alone, and requests beyond the
// analysis queue with 503, all as coded JSON errors and counted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../../core/mod.ts";
import { http, type HttpAnswer, metricByLabel, waitFor } from "../../core/testing.ts";
import { writeWav } from "../../media/mod.ts";
import { biometrics, createBiometricsService } from "./plugin.ts";
import { registerBiometricsRoutes } from "./routes.ts";
import { LagProbe, speechWav, ThreadedHttpClient } from "./testing.ts";

const WAV = "audio/wav";
const PATH = "/v1/biometrics/voiceprints/alice";

async function withApi(work: (base: string, server: ParleyServer) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "parley-biometrics-limits-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47300-47309" } }).use(biometrics, { directory });
  try {
    const address = await server.listen();
    await work(`http://127.0.0.1:${address.port}`, server);
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function errorCode(answer: HttpAnswer): string {
  return answer.json<{ error: { code: string } }>().error.code;
}

/** A WAV whose data chunk says "the rest of the file" (as streaming writers leave it), `bytes` long. */
function streamedWav(sampleRate: number, bytes: number): Uint8Array<ArrayBuffer> {
  const wav = new Uint8Array(bytes);
  wav.set(writeWav(new Int16Array(0), sampleRate));
  return wav;
}

/** A 16 kHz WAV whose data chunk holds 16001 bytes: half a sample too many. */
function oddDataWav(): Uint8Array<ArrayBuffer> {
  const wav = new Uint8Array(writeWav(new Int16Array(8001), 16000).subarray(0, 44 + 16001));
  new DataView(wav.buffer).setUint32(40, 16001, true);
  return wav;
}

test("the 10 MB WAV at 1 kHz of issue 10 is refused from its header in a fraction of a second, and the event loop stays free", () => withApi(async (base) => {
  assert.is((await http(base, PATH, { method: "PUT", contentType: WAV, body: speechWav(16000, 12) })).status, 201);
  const defect = new Uint8Array(writeWav(new Int16Array(5_000_000 - 22), 1000));
  assert.is(defect.length, 10_000_000);
  const client = new ThreadedHttpClient();
  const probe = new LagProbe();
  const { status, text, elapsedMs } = await client.send({ url: `${base}${PATH}/verify`, method: "POST", contentType: WAV, body: defect });
  probe.stop();
  await client.close();
  console.log(`10 MB 1 kHz verify: ${status} in ${elapsedMs.toFixed(0)} ms, worst event-loop lag ${probe.max.toFixed(1)} ms`);
  assert.is(status, 422, text);
  const { error } = JSON.parse(text) as { error: { code: string; message: string } };
  assert.is(error.code, "PARLEY_ERR_BIOMETRICS_UNSUPPORTED_AUDIO");
  assert.match(error.message, /1000 Hz; verification takes 8000 to 48000 Hz/);
  assert.ok(elapsedMs < 1500, `answered in ${elapsedMs.toFixed(0)} ms`);
  assert.ok(probe.max < 100, `worst event-loop lag ${probe.max.toFixed(1)} ms`);
}));

test("an unknown speaker is a 404 before the body is read, and a wrong content type a 415", () => withApi(async (base) => {
  const started = performance.now();
  const unknown = await http(base, "/v1/biometrics/voiceprints/nobody/verify", { method: "POST", contentType: WAV, body: new Uint8Array(writeWav(new Int16Array(5_000_000 - 22), 1000)) });
  assert.is(unknown.status, 404);
  assert.is(errorCode(unknown), "PARLEY_ERR_BIOMETRICS_NOT_ENROLLED");
  assert.ok(performance.now() - started < 1500);
  const text = await http(base, "/v1/biometrics/voiceprints/nobody/verify", { method: "POST", contentType: "text/plain", body: "RIFF" });
  assert.is(text.status, 415);
  assert.is(errorCode(text), "PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE");
}));

test("audio over the length, rate or channel limits, or not WAV at all, is refused with a coded error that says why, and counted", () => withApi(async (base, server) => {
  assert.is((await http(base, PATH, { method: "PUT", contentType: WAV, body: speechWav(16000, 12) })).status, 201);
  const cases: { path: string; method: string; body: Uint8Array<ArrayBuffer>; status: number; code: string; message: RegExp }[] = [
    { path: `${PATH}/verify`, method: "POST", body: new Uint8Array(writeWav(new Int16Array(8000 * 61), 8000)), status: 413, code: "AUDIO_TOO_LONG", message: /61 s of audio; verification takes at most 60 s/ },
    { path: PATH, method: "PUT", body: new Uint8Array(writeWav(new Int16Array(8000 * 181), 8000)), status: 413, code: "AUDIO_TOO_LONG", message: /181 s of audio; enrollment takes at most 180 s/ },
    { path: `${PATH}/verify`, method: "POST", body: streamedWav(8000, 44 + 2 * 8000 * 70), status: 413, code: "AUDIO_TOO_LONG", message: /more than 60 s of audio/ },
    { path: `${PATH}/verify`, method: "POST", body: new Uint8Array(writeWav(new Int16Array(96000), 96000)), status: 422, code: "UNSUPPORTED_AUDIO", message: /96000 Hz/ },
    { path: PATH, method: "POST", body: new Uint8Array(writeWav(new Int16Array(16000 * 6), 16000, 6)), status: 422, code: "UNSUPPORTED_AUDIO", message: /6 channels; enrollment takes at most 2/ },
    { path: `${PATH}/verify`, method: "POST", body: new TextEncoder().encode("RIFF\0\0\0\0AVI LIST"), status: 422, code: "BAD_AUDIO", message: /not WAVE/ },
    // A header the API takes over samples the decoder cannot: the worker's error reaches the client as well.
    { path: `${PATH}/verify`, method: "POST", body: oddDataWav(), status: 422, code: "BAD_AUDIO", message: /not a whole number of 2-byte frames/ },
  ];
  for (const { path, method, body, status, code, message } of cases) {
    const answer = await http(base, path, { method, contentType: WAV, body });
    assert.is(answer.status, status, `${code}: ${answer.text}`);
    assert.is(errorCode(answer), `PARLEY_ERR_BIOMETRICS_${code}`);
    assert.match(answer.text, message);
  }
  assert.equal(await metricByLabel(server.metrics.registry, "parley_biometrics_requests_refused_total", "reason"), { audio_too_long: 3, unsupported_audio: 2, bad_audio: 2 });
  assert.is((await http(base, PATH)).json().speakerId, "alice", "the voiceprint is untouched");
}));

test("with every place in the analysis queue taken, a request is refused at once with 503 busy and Retry-After", async () => {
  const directory = await mkdtemp(join(tmpdir(), "parley-biometrics-busy-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47310-47319" } });
  const service = createBiometricsService({ directory, claimKeys: [], enrollKey: "enrollSpeaker", minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 8000, maxEnrollMs: 30000, routes: false, maxWavBytes: 10 * 1024 * 1024, maxWaitingAnalyses: 0 });
  const refused: string[] = [];
  registerBiometricsRoutes(server, service, {}, (reason) => refused.push(reason));
  try {
    const address = await server.listen();
    const base = `http://127.0.0.1:${address.port}`;
    const heavy = http(base, PATH, { method: "PUT", contentType: WAV, body: speechWav(48000, 100) });
    await waitFor(() => service.analysis.admitted === 1, 5000, "the first enrollment to take the only place");
    const started = performance.now();
    const busy = await http(base, PATH, { method: "PUT", contentType: WAV, body: speechWav(16000, 12) });
    assert.is(busy.status, 503, busy.text);
    assert.is(errorCode(busy), "PARLEY_ERR_BIOMETRICS_BUSY");
    assert.is(busy.headers.get("retry-after"), "1");
    assert.ok(performance.now() - started < 1000);
    assert.is((await heavy).status, 201);
    assert.equal(refused, ["busy"]);
    assert.is(service.analysis.admitted, 0, "places are given back");
    assert.is((await http(base, PATH, { method: "PUT", contentType: WAV, body: speechWav(16000, 12) })).status, 201, "and taken again");
  } finally {
    await server.close();
    await service.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test.run();
