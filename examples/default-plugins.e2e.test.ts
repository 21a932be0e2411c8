import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { silentAsrEngine } from "../bench/silent-asr-engine.ts";
import { CODECS, createServer } from "../core/mod.ts";
import { useDefaultPlugins } from "./default-plugins.ts";

test("no default plugin makes an Opus call decode at 48 kHz: the session decodes once, at 16 kHz", async () => {
  const voiceprints = mkdtempSync(join(tmpdir(), "parley-default-plugins-"));
  const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" } }), { voiceprints, asrEngine: silentAsrEngine() });
  try {
    await server.listen();
    const codec = CODECS.opus;
    const session = server.openSession(
      { transport: "test", codec: codec.name, sampleRate: codec.pcmRate, decodableRates: codec.decodableRates, outputRate: 48000, frameSamples: 960 },
      () => ({ outputRate: 48000, frameSamples: 960, sendFrame() {}, async close() {} }),
    );
    // The first frame arrives at the decoder's rate; plugins that start on it subscribe then.
    session.fanout.push(new Int16Array(session.fanout.preferredRate / 50), session.fanout.preferredRate, 0);
    assert.ok(session.fanout.hasSubscribers, "the default plugins listen to the call");
    assert.is(session.fanout.preferredRate, 16000);
  } finally {
    await server.close();
    rmSync(voiceprints, { recursive: true, force: true });
  }
});

test.run();
