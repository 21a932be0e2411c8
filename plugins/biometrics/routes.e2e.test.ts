import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "../../core/mod.ts";
import { http } from "../../core/testing.ts";
import { writeWav } from "../../media/mod.ts";
import { syntheticSpeaker } from "../../media/dsp/voice-test-utils.ts";
import { biometrics } from "./plugin.ts";

const WAV = "audio/wav";

test("voiceprints are enrolled, read, verified and deleted through the HTTP API", async () => {
  const directory = await mkdtemp(join(tmpdir(), "parley-biometrics-api-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47100-47119" } }).use(biometrics, { directory, key: "a test passphrase" });
  try {
    const address = await server.listen();
    const base = `http://127.0.0.1:${address.port}`;
    const path = "/v1/biometrics/voiceprints/acct%2042";
    assert.is((await http(base, path)).status, 404);

    const enrolled = await http(base, path, { method: "PUT", contentType: WAV, body: new Uint8Array(writeWav(syntheticSpeaker(110, 1, 1, 6), 16000)) });
    assert.is(enrolled.status, 201, enrolled.text);
    assert.is(enrolled.json().speakerId, "acct 42");

    const info = await http(base, path);
    assert.is(info.status, 200);
    assert.is(info.json().encrypted, true);

    const genuine = await http(base, `${path}/verify`, { method: "POST", contentType: WAV, body: new Uint8Array(writeWav(syntheticSpeaker(113, 1, 60, 2), 16000)) });
    assert.is(genuine.json().verdict, "match", genuine.text);
    const impostor = await http(base, `${path}/verify`, { method: "POST", contentType: WAV, body: new Uint8Array(writeWav(syntheticSpeaker(205, 1.2, 90, 2), 16000)) });
    assert.is(impostor.json().verdict, "no_match");

    const silence = await http(base, `${path}/verify`, { method: "POST", contentType: WAV, body: new Uint8Array(writeWav(new Int16Array(32000), 16000)) });
    assert.is(silence.status, 422);
    assert.is(silence.json<{ error: { code: string } }>().error.code, "PARLEY_ERR_BIOMETRICS_INSUFFICIENT_SPEECH");
    assert.is((await http(base, path, { method: "POST", contentType: "text/plain", body: "hello" })).status, 415);
    assert.is((await http(base, path, { method: "POST", contentType: "application/json", body: '{"sessionId":"none"}' })).status, 404);

    assert.is((await http(base, path, { method: "DELETE" })).status, 204);
    assert.is((await http(base, `${path}/verify`, { method: "POST", contentType: WAV, body: new Uint8Array(writeWav(syntheticSpeaker(113, 1, 60, 2), 16000)) })).status, 404);
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test.run();
