import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "../../core/mod.ts";
import { eventFilter } from "./event-filter.ts";
import { DEFAULT_KEPT_EVENTS, recording } from "./plugin.ts";

test("the plugin needs a directory, takes 8 or 16 kHz only and a mask lookback of at most 2 s", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "error" });
  try {
    assert.throws(() => server.use(recording, {}), /directory/);
    assert.throws(() => server.use(recording, { directory: "/tmp/x", sampleRate: 44100 as 16000 }), /sampleRate/);
    assert.throws(() => server.use(recording, { directory: "/tmp/x", maskLookbackMs: 5000 }), /maskLookbackMs/);
  } finally {
    await server.close();
  }
});

test("a public key that cannot encrypt recordings stops the server at setup with a coded error, before any call is recorded in the clear", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recording-key-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent" }).use(recording, { directory, publicKey: "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n" });
  try {
    const error = await server.listen().then(() => undefined, (error) => error);
    assert.is(error?.code, "PARLEY_ERR_RECORDING_KEY", String(error));
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("kept event types match exactly, or by prefix with a trailing *", () => {
  const keep = eventFilter(DEFAULT_KEPT_EVENTS);
  for (const type of ["voicebot.intent", "route.request", "queue.answered", "bridge.started", "emotion", "deepfake", "biometrics", "transcript"]) assert.ok(keep(type), type);
  for (const type of ["transcript.partial", "voicebot.account", "dtmf", "playback.started", "emotions"]) assert.not.ok(keep(type), type);
});

test.run();
