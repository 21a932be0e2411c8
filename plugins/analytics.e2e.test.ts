// test: long (three analytics plugins on live calls)
// End to end: the three analytics plugins (emotion, deepfake, biometrics) on live RTP calls from
// ffmpeg. A caller's voice is enrolled through the biometrics API from three LibriSpeech
// utterances (a speaker the voiceprint model never heard; the deepfake model has LibriSpeech among
// its real speech); then ffmpeg calls in claiming that identity, over PCMU and over Opus, and every
// plugin must report on the call. Last, a synthetic voice of a demo page the deployed deepfake
// weights never trained on calls in over Opus. Skips without
// ffmpeg or the data folder unless PARLEY_STRICT=1.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer, type SessionEvent } from "../core/mod.ts";
import { dataDir, http, requireData, requireTool, runFfmpeg, spawnFfmpeg, waitFor } from "../core/testing.ts";
import { biometrics } from "./biometrics/mod.ts";
import { deepfake } from "./deepfake/mod.ts";
import { emotion } from "./emotion/mod.ts";

const SPEAKER = "1688";
const utterance = (speaker: string, n: string) => `speakers/test-other/${speaker}-${n}.flac`;
const ENROLL = ["142285-0000", "142285-0001", "142285-0002"].map((n) => utterance(SPEAKER, n));
const CALL = ["142285-0005", "142285-0006"].map((n) => utterance(SPEAKER, n));
const IMPOSTOR = utterance("2414", "128291-0005");
/** Synthetic speech of the demo page the deployed deepfake weights never trained on (DEPLOYMENT_HOLDOUT_PAGE): Matcha-TTS, Grad-TTS, VITS and FastSpeech 2 voices. */
const UNSEEN_SYNTHETIC = ["MAT-4_1", "MAT-10_2", "GRAD-10_3", "VITS_4", "FS2_5"].map((name) => `antispoof-wild/matcha_tts_demo/spoof/${name}.flac`);

/** A scored event of the analytics plugins, as the tests read it. */
type Scored = Record<string, unknown> & { type: string; status?: string };

/** A server with the three plugins, a voiceprint of SPEAKER enrolled through the API, and a way to call it. */
interface Analytics {
  server: ParleyServer;
  base: string;
  dir: string;
  /** The events of session `id` so far. */
  of(id: string): Scored[];
}

async function withAnalytics(work: (analytics: Analytics) => Promise<void>): Promise<void> {
  if (!requireTool("ffmpeg") || ![...ENROLL, ...CALL, IMPOSTOR, ...UNSEEN_SYNTHETIC].every((file) => requireData(file))) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-analytics-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47200-47219", symmetric: false } })
    .use(emotion, {})
    .use(deepfake, {})
    .use(biometrics, { directory: join(dir, "voiceprints"), key: "e2e test key" });
  const events: SessionEvent[] = [];
  const subscription = server.events$.subscribe((event) => events.push(event));
  try {
    const address = await server.listen();
    const base = `http://127.0.0.1:${address.port}`;
    const enrollWav = join(dir, "enroll.wav");
    await runFfmpeg([...ENROLL.flatMap((file) => ["-i", join(dataDir(), file)]), "-filter_complex", "concat=n=3:v=0:a=1", "-ac", "1", "-ar", "16000", enrollWav], 20000);
    const enrolled = await http(base, `/v1/biometrics/voiceprints/${SPEAKER}`, { method: "PUT", contentType: "audio/wav", body: new Uint8Array(readFileSync(enrollWav)) });
    assert.is(enrolled.status, 201, enrolled.text);
    await work({ server, base, dir, of: (id) => events.filter((event) => event.sessionId === id) as unknown as Scored[] });
  } finally {
    subscription.unsubscribe();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ffmpeg sends `wav` to a new session claiming SPEAKER, in real time; resolves with the session id once it has sent everything. */
async function callIn(analytics: Analytics, codec: "pcmu" | "opus", wav: string): Promise<string> {
  const created = await http(analytics.base, "/v1/rtp", { method: "POST", contentType: "application/json", body: JSON.stringify({ codec, metadata: { claimedSpeaker: SPEAKER } }) });
  assert.is(created.status, 201, created.text);
  const { id, port, payloadType } = created.json<{ id: string; port: number; payloadType: number }>();
  const encoding = codec === "pcmu" ? ["-ar", "8000", "-af", "asetnsamples=n=160:p=0", "-c:a", "pcm_mulaw"] : ["-ar", "48000", "-c:a", "libopus", "-b:a", "32k"];
  const sender = spawnFfmpeg(["-re", "-i", wav, "-ac", "1", ...encoding, "-payload_type", String(payloadType), "-f", "rtp", `rtp://127.0.0.1:${port}`], 30000);
  const sent = await sender.done;
  assert.is(sent.code, 0, sent.stderr);
  return id;
}

const scored = (events: Scored[], type: string) => events.filter((event) => event.type === type && event.status === "ok");

test("emotion, deepfake and biometrics all report on a live PCMU call from ffmpeg", () => withAnalytics(async (analytics) => {
  // Two utterances with a pause between them and after them, so utterances end while the call is up.
  const callWav = join(analytics.dir, "call.wav");
  await runFfmpeg([...CALL.flatMap((file) => ["-i", join(dataDir(), file)]), "-filter_complex", "[0]apad=pad_dur=1[a];[1]apad=pad_dur=1.5[b];[a][b]concat=n=2:v=0:a=1", "-ac", "1", "-ar", "8000", callWav], 20000);
  const id = await callIn(analytics, "pcmu", callWav);
  const events = () => analytics.of(id);
  await waitFor(() => ["emotion", "deepfake", "biometrics"].every((type) => scored(events(), type).length > 0), 5000, "a scored event from each plugin");
  assert.is((await http(analytics.base, `/v1/sessions/${id}`, { method: "DELETE" })).status, 204);

  const call = scored(events(), "biometrics").filter((event) => event.scope === "call").at(-1)!;
  const voice = scored(events(), "deepfake").at(-1)!;
  console.log(`analytics e2e (PCMU): emotion ${scored(events(), "emotion").at(-1)!.label}, deepfake ${voice.verdict} (llr ${voice.llr}, ${voice.model}), biometrics ${call.verdict} (score ${call.score}, threshold ${call.threshold})`);
  assert.ok(scored(events(), "emotion").every((event) => event.source === "emotion"));
  assert.is(voice.model, "telephone", "an 8 kHz call is scored by the telephone model");
  assert.ok(scored(events(), "deepfake").every((event) => event.verdict !== "synthetic"), "a real caller is never called synthetic");
  assert.is(call.verdict, "match", "the enrolled speaker's own voice matches");
  assert.ok(events().every((event) => event.type !== "plugin.error"), JSON.stringify(events().filter((event) => event.type === "plugin.error")));
}));

test("over Opus a real caller is bona fide and matches; the last utterance, cut by the hangup, is still scored; an impostor is rejected", () => withAnalytics(async (analytics) => {
  // No pause after the speech: the caller's last utterance ends with the call.
  const callWav = join(analytics.dir, "call.wav");
  await runFfmpeg([...CALL.flatMap((file) => ["-i", join(dataDir(), file)]), "-filter_complex", "[0]apad=pad_dur=1[a];[a][1]concat=n=2:v=0:a=1", "-ac", "1", "-ar", "16000", callWav], 20000);
  const genuine = await callIn(analytics, "opus", callWav);
  await analytics.server.session(genuine)!.hangup("done");
  const events = analytics.of(genuine);
  const moods = scored(events, "emotion").filter((event) => event.scope === "utterance");
  assert.ok(moods.length > 0, `emotion scored the utterance the hangup ended: ${JSON.stringify(events.map((event) => event.type))}`);
  // Scores are rounded to four decimals.
  assert.ok(moods.every((mood) => Math.abs(Object.values(mood.scores as Record<string, number>).reduce((sum, score) => sum + score, 0) - 1) < 1e-3));
  const voice = scored(events, "deepfake").at(-1)!;
  assert.is(voice.model, "wideband");
  assert.is(voice.verdict, "bonafide", `a real recording called ${voice.verdict} (llr ${voice.llr})`);
  const claim = scored(events, "biometrics").filter((event) => event.scope === "call").at(-1);
  assert.is(claim?.verdict, "match", `score ${claim?.score}, threshold ${claim?.threshold}`);
  assert.is(events.at(-1)!.type, "session.ended", "session.ended is the call's last event");

  const impostor = await callIn(analytics, "opus", join(dataDir(), IMPOSTOR));
  await analytics.server.session(impostor)!.hangup("done");
  assert.is(scored(analytics.of(impostor), "biometrics").filter((event) => event.scope === "call").at(-1)?.verdict, "no_match");

  // Ops see the verdicts in Prometheus text at /metrics.
  const metrics = (await http(analytics.base, "/metrics")).text;
  assert.match(metrics, /^parley_deepfake_verdicts_total\{verdict="bonafide",model="wideband"\} [1-9]/m);
  assert.match(metrics, /^parley_biometrics_verdicts_total\{verdict="no_match"\} [1-9]/m);
  assert.match(metrics, /^parley_emotion_utterances_total\{label="[a-z]+"\} [1-9]/m);
}));

test("a synthetic voice from a demo page the deployed model never trained on is not taken for a real caller over Opus", () => withAnalytics(async (analytics) => {
  const callWav = join(analytics.dir, "synthetic.wav");
  const pads = UNSEEN_SYNTHETIC.map((_, i) => `[${i}]apad=pad_dur=0.6[a${i}]`).join(";");
  await runFfmpeg([...UNSEEN_SYNTHETIC.flatMap((file) => ["-i", join(dataDir(), file)]), "-filter_complex", `${pads};${UNSEEN_SYNTHETIC.map((_, i) => `[a${i}]`).join("")}concat=n=${UNSEEN_SYNTHETIC.length}:v=0:a=1`, "-ac", "1", "-ar", "16000", callWav], 20000);
  const id = await callIn(analytics, "opus", callWav);
  await analytics.server.session(id)!.hangup("done");
  const rolling = scored(analytics.of(id), "deepfake").filter((event) => event.scope === "rolling");
  const call = rolling.at(-1);
  console.log(`analytics e2e (unseen synthetic page, Opus): deepfake ${call?.verdict} (llr ${call?.llr}, synthetic from ${call?.threshold}, uncertain from ${call?.uncertainThreshold}, ${call?.speechMs} ms of speech)`);
  assert.ok(call && ["synthetic", "uncertain"].includes(String(call.verdict)), `the call's verdict: ${call?.verdict} (llr ${call?.llr})`);
}));

test.run();
