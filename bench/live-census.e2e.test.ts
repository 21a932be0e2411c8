// test: alone (memory measured)
// What the soak (bench/soak.ts) counts on: the census sees what is still held after a collection,
// and the default plugins let go of every session whose call has ended.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../core/mod.ts";
import { skipUnless } from "../core/testing.ts";
import { useDefaultPlugins } from "../examples/default-plugins.ts";
import { RtpTestPeer, type SpeechClip, speechClip } from "../plugins/testing.ts";
import { collectGarbage, exposedGc, LiveCensus } from "./live-census.ts";

const PORTS = "48900-48919";
/** Without a collection on demand a live count proves nothing, so the test skips (scripts/test.ts gives Deno --expose-gc). */
const gcExposed = () => skipUnless(exposedGc !== undefined, "this runtime cannot collect garbage on demand (Deno needs --v8-flags=--expose-gc)");

test("the census counts what is still held after a collection, and not what was dropped", async () => {
  if (!gcExposed()) return;
  const census = new LiveCensus();
  const held = { held: true };
  census.track("thing", held);
  census.track("thing", { held: false });
  await collectGarbage();
  assert.equal(census.alive(), { thing: 1 });
  assert.equal(census.tracked(), { thing: 2 });
  assert.ok(held.held);
});

/** One call: a session, a caller saying a few words over PCMU RTP, a hangup; only the census keeps a (weak) reference. */
async function placeCall(server: ParleyServer, census: LiveCensus, words: SpeechClip): Promise<void> {
  const { session, port } = await server.rtp.open({ codec: "pcmu" });
  census.track("session", session);
  const caller = new RtpTestPeer(port);
  try {
    await caller.send(words.samples, words.sampleRate, 5);
    await session.hangup("test");
  } finally {
    await caller.close();
  }
}

test("once their calls have ended, the default plugins (console, vad, asr, barge-in, tts, latency, voicebot, emotion, deepfake, biometrics) keep none of the sessions", async () => {
  const words = speechClip("goforward.wav");
  if (!gcExposed() || !words) return;
  const voiceprints = mkdtempSync(join(tmpdir(), "parley-census-"));
  const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, bindAddress: "127.0.0.1" } }), { voiceprints });
  const census = new LiveCensus();
  try {
    await server.listen();
    for (let call = 0; call < 4; call++) await placeCall(server, census, words);
    await collectGarbage();
    // Counted while the server and its plugins still run: ending the server would release anything.
    assert.equal(census.alive(), { session: 0 });
  } finally {
    await server.close();
    rmSync(voiceprints, { recursive: true, force: true });
  }
});

test.run();
