// An encrypted recording of a real call: ffmpeg calls in over RTP with Opus and speaks; the server,
// configured with a public key only, writes the audio encrypted. The stored file must carry no
// plaintext audio, the document must name the key, and the private key must give back a WAV whose
// left channel is what the caller said. The call's transcript is sealed too: neither the journal
// nor the document holds its words, and the private key opens them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FfmpegPhone } from "../../core/ffmpeg-phone.ts";
import { createServer } from "../../core/mod.ts";
import { concatFrames, findAlignment, requireTool, secondBySecond, sleep, waitFor } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { speechClip } from "../testing.ts";
import { decryptDocumentFile, decryptRecordingFile } from "./decrypt.ts";
import type { RecordingDocument } from "./document.ts";
import { fingerprintText } from "./envelope.ts";
import { recording } from "./plugin.ts";
import { entropy, testKeyPair } from "./testing.ts";

test("a call recorded with a public key is stored encrypted, named by its key in the document, and decrypts to what the caller said", async () => {
  const clip = speechClip("goforward.wav");
  if (!requireTool("ffmpeg") || !clip) return;
  const keys = testKeyPair("rsa");
  const directory = mkdtempSync(join(tmpdir(), "parley-encrypted-call-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47660-47679", symmetric: false }, logLevel: "error" })
    .use(recording, { directory, publicKey: keys.publicPem });
  const phone = new FfmpegPhone("opus", directory, "caller");
  try {
    const { port } = await server.listen();
    const script = new Int16Array(16000 * 0.5 + clip.samples.length + 16000);
    script.set(clip.samples, 8000);
    const id = await phone.call(`http://127.0.0.1:${port}`, script);
    // What the server decoded of the caller (the script begins with half a second of silence, so nothing is missed).
    const decoded: Int16Array[] = [];
    server.session(id)!.audio(16000).subscribe((frame) => decoded.push(frame.samples.slice()));
    await sleep((script.length / 16000) * 1000 - 500);
    // What a recogniser would say of the call, and a routing event the recordings API lists by.
    server.session(id)!.emit({ type: "transcript", text: "go forward ten meters", final: true, startMs: 500, endMs: 2000 } as never);
    server.session(id)!.emit({ type: "route.request", reason: "caller_request", text: "go forward ten meters" } as never);
    const journal = join(directory, `${id}.journal`);
    await waitFor(() => readFileSync(journal, "utf8").includes("route.request"), 3000, "the journal's routing event");
    assert.not.ok(readFileSync(journal, "utf8").includes("go forward"), "the journal holds no words of the call");
    await sleep(1000);
    await server.session(id)?.hangup();
    const documentPath = join(directory, `${id}.json`);
    await waitFor(() => existsSync(documentPath), 5000, "the recording's document");
    const document = JSON.parse(readFileSync(documentPath, "utf8")) as RecordingDocument;
    assert.is(document.complete, true);
    assert.is(document.audio.file, `${id}.wav.enc`);
    assert.equal(document.audio.encryption, { format: "parley-recording-1", keyWrapping: "RSA-OAEP-SHA256", keyFingerprint: fingerprintText(keys.publicKey.fingerprint) });
    assert.not.ok(existsSync(join(directory, `${id}.wav`)), "no plain WAV is written");
    assert.not.ok(readFileSync(documentPath, "utf8").includes("go forward"), "the document holds no words of the call");
    assert.equal(document.events.map((event) => [event.type, event.text]), [["route.request", undefined]], "only the routing event is plain, without its quote");
    const opened = join(directory, "opened.json");
    await decryptDocumentFile(documentPath, opened, keys.privateKey);
    const openedEvents = (JSON.parse(readFileSync(opened, "utf8")) as RecordingDocument).events;
    assert.equal(openedEvents.filter((event) => event.type !== "session.started").map((event) => [event.type, event.text]), [["transcript", "go forward ten meters"], ["route.request", "go forward ten meters"]]);

    const stored = new Uint8Array(readFileSync(join(directory, document.audio.file)));
    const bits = entropy(stored);
    console.log(`encrypted call: ${stored.length} bytes stored, ${bits.toFixed(4)} bits/byte`);
    assert.ok(bits > 7.99, `the stored audio's entropy: ${bits} bits/byte`);

    const out = join(directory, "decrypted.wav");
    const result = await decryptRecordingFile(join(directory, document.audio.file), out, keys.privateKey);
    assert.is(result.complete, true);
    const wav = readWav(new Uint8Array(readFileSync(out)));
    assert.equal([wav.sampleRate, wav.channels], [16000, 2]);
    const left = new Int16Array(wav.samples.length / 2).map((_, i) => wav.samples[2 * i]!);
    assert.ok(Math.abs(left.length / 16 - document.audio.durationMs) <= 1, `${left.length / 16} ms decrypted, ${document.audio.durationMs} ms in the document`);
    const said = findAlignment(clip.samples, left, 0, Math.max(0, left.length - clip.samples.length));
    console.log(`encrypted call: ${result.chunks} chunks, ${(left.length / 16000).toFixed(2)} s; the caller's words at ${(said.lag / 16).toFixed(0)} ms, correlation with what ffmpeg sent ${said.correlation.toFixed(3)}`);
    if (said.correlation < 0.75) {
      // A stall of this busy machine (ffmpeg, the server and the test share it) shifts the caller's
      // words against the timeline: silence, then the late words. Each second of what the server
      // decoded of the caller must still be on the left, whole.
      const heard = concatFrames(decoded.map((samples) => ({ samples })));
      const speech = heard.subarray(findAlignment(clip.samples, heard, 0, Math.max(0, heard.length - clip.samples.length)).lag).subarray(0, clip.samples.length);
      const windows = secondBySecond(speech, left, 16000).map((second) => second.correlation);
      console.log(`encrypted call: the caller's words, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
      assert.ok(windows.length > 0 && windows.every((c) => c >= 0.8), `the caller on the left, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
    }
  } finally {
    await phone.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
