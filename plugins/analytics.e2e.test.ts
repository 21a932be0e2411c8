// End to end: the three analytics plugins (emotion, deepfake, biometrics) on one live RTP call.
// A caller's voice is enrolled through the biometrics API from three LibriSpeech utterances; then
// ffmpeg calls in over PCMU with two other utterances of the same speaker, claiming that identity,
// and every plugin must report on the call. Skips without ffmpeg or the data folder unless
// PARLEY_STRICT=1.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type SessionEvent } from "../core/mod.ts";
import { dataDir, http, requireData, requireTool, runFfmpeg, spawnFfmpeg, waitFor } from "../core/testing.ts";
import { biometrics } from "./biometrics/mod.ts";
import { deepfake } from "./deepfake/mod.ts";
import { emotion } from "./emotion/mod.ts";

const SPEAKER = "1688";
const ENROLL = ["0000", "0001", "0002"].map((n) => `speakers/test-other/${SPEAKER}-142285-${n}.flac`);
const CALL = ["0005", "0006"].map((n) => `speakers/test-other/${SPEAKER}-142285-${n}.flac`);

test("emotion, deepfake and biometrics all report on a live PCMU call from ffmpeg", async () => {
  if (!requireTool("ffmpeg") || ![...ENROLL, ...CALL].every((file) => requireData(file))) return;
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

    const created = await http(base, "/v1/rtp", { method: "POST", contentType: "application/json", body: JSON.stringify({ codec: "pcmu", metadata: { claimedSpeaker: SPEAKER } }) });
    assert.is(created.status, 201, created.text);
    const { id, port } = created.json<{ id: string; port: number }>();
    // Two utterances with a pause between them and after them, so utterances end while the call is up.
    const callWav = join(dir, "call.wav");
    await runFfmpeg([...CALL.flatMap((file) => ["-i", join(dataDir(), file)]), "-filter_complex", "[0]apad=pad_dur=1[a];[1]apad=pad_dur=1.5[b];[a][b]concat=n=2:v=0:a=1", "-ac", "1", "-ar", "8000", callWav], 20000);
    const sender = spawnFfmpeg(
      ["-re", "-i", callWav, "-af", "asetnsamples=n=160:p=0", "-c:a", "pcm_mulaw", "-payload_type", "0", "-f", "rtp", `rtp://127.0.0.1:${port}`],
      30000,
    );
    const sent = await sender.done;
    assert.is(sent.code, 0, sent.stderr);
    const mine = () => events.filter((event) => event.sessionId === id);
    await waitFor(() => ["emotion", "deepfake", "biometrics"].every((type) => mine().some((event) => event.type === type && (event as { status?: string }).status === "ok")), 5000, "a scored event from each plugin");
    assert.is((await http(base, `/v1/sessions/${id}`, { method: "DELETE" })).status, 204);

    const scored = (type: string) => mine().filter((event) => event.type === type && (event as { status?: string }).status === "ok") as unknown as Record<string, unknown>[];
    const call = scored("biometrics").filter((event) => event.scope === "call").at(-1)!;
    console.log(`analytics e2e: emotion ${scored("emotion").at(-1)!.label}, deepfake ${scored("deepfake").at(-1)!.verdict} (llr ${scored("deepfake").at(-1)!.llr}, ${scored("deepfake").at(-1)!.model}), biometrics ${call.verdict} (score ${call.score}, threshold ${call.threshold})`);
    assert.ok(scored("emotion").every((event) => event.source === "emotion"));
    assert.is(scored("deepfake").at(-1)!.model, "telephone", "an 8 kHz call is scored by the telephone model");
    assert.is(call.verdict, "match", "the enrolled speaker's own voice matches");
    assert.ok(mine().every((event) => event.type !== "plugin.error"), JSON.stringify(mine().filter((event) => event.type === "plugin.error")));
  } finally {
    subscription.unsubscribe();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
