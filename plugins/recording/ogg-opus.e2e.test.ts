// Ogg Opus recordings over real RTP: the caller speaks while the bot plays a prompt; the finished
// recording is an Ogg Opus file (the WAV it was encoded from gone) whose channels, decoded by
// ffmpeg, hold the caller's words on the left and the prompt on the right. An interrupted one is
// encoded when the server starts again.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioClip, createServer } from "../../core/mod.ts";
import { concatFrames, findAlignment, readPcm, recordingLogger, requireTool, runFfmpeg, waitFor } from "../../core/testing.ts";
import { wavHeader } from "../../media/wav.ts";
import { RtpTestPeer, speechClip } from "../testing.ts";
import type { RecordingDocument } from "./document.ts";
import { recording } from "./plugin.ts";
import { channels, telephone } from "./testing.ts";

const PORTS = "46720-46729";

/** An Ogg file decoded by ffmpeg to interleaved 16 kHz stereo. */
async function decodeOgg(path: string): Promise<Int16Array> {
  const pcm = `${path}.pcm`;
  const result = await runFfmpeg(["-i", path, "-f", "s16le", "-ac", "2", "-ar", "16000", pcm], 30000);
  assert.is(result.code, 0, result.stderr);
  return readPcm(pcm);
}

test("a call recorded as Ogg Opus: the file is Ogg, the WAV is gone, and the caller is on the left and the prompt on the right", async () => {
  const callerClip = speechClip("goforward.wav");
  const promptClip = speechClip("cards-002.wav");
  if (!callerClip || !promptClip || !requireTool("ffmpeg")) return;
  const directory = mkdtempSync(join(tmpdir(), "parley-ogg-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } }).use(recording, { directory, format: "ogg-opus" });
  try {
    await server.listen();
    const caller = await server.rtp.open({ codec: "pcmu" });
    const callerPeer = new RtpTestPeer(caller.port);
    const decoded: Int16Array[] = [];
    caller.session.audio(16000).subscribe((frame) => decoded.push(frame.samples.slice()));
    try {
      const talking = callerPeer.sendRealTime(callerClip.samples, callerClip.sampleRate);
      await caller.session.play(new AudioClip(promptClip.samples, promptClip.sampleRate)).done;
      await talking;
      await caller.session.hangup();
    } finally {
      await callerPeer.close();
    }
    const documentPath = join(directory, `${caller.session.id}.json`);
    await waitFor(() => existsSync(documentPath), 15000, "the recording's document");
    const document = JSON.parse(readFileSync(documentPath, "utf8")) as RecordingDocument;
    assert.equal([document.audio.file, document.audio.format, document.audio.encoding], [`${caller.session.id}.ogg`, "ogg", "opus"]);
    const ogg = join(directory, document.audio.file);
    assert.is(new TextDecoder().decode(readFileSync(ogg).subarray(0, 4)), "OggS");
    // The document is the recording's last durable step; the WAV it was encoded from goes after it.
    await waitFor(() => !existsSync(join(directory, `${caller.session.id}.wav`)), 5000, "the WAV gone once encoded");

    const [left, right] = channels(await decodeOgg(ogg));
    assert.ok(Math.abs(left.length / 16 - document.audio.durationMs) <= 40, `${left.length / 16} ms decoded, ${document.audio.durationMs} ms recorded`);
    const callerSaid = concatFrames(decoded.map((samples) => ({ samples }))).subarray(0, telephone(callerClip.samples).length);
    const said = findAlignment(callerSaid, left, 0, left.length - 16000);
    const prompt = findAlignment(telephone(promptClip.samples), right, 0, right.length - 16000);
    console.log(`ogg opus recording: caller ${said.correlation.toFixed(3)}, prompt ${prompt.correlation.toFixed(3)}; ${readFileSync(ogg).length} bytes for ${document.audio.durationMs} ms`);
    assert.ok(said.correlation >= 0.8, `the caller on the left: ${said.correlation}`);
    assert.ok(prompt.correlation >= 0.8, `the prompt on the right: ${prompt.correlation}`);

    const audio = await fetch(`http://127.0.0.1:${server.address!.port}/v1/recordings/${caller.session.id}/audio`);
    assert.is(audio.headers.get("content-type"), "audio/ogg");
    assert.is((await audio.arrayBuffer()).byteLength, readFileSync(ogg).length);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a recording a crash interrupted is finalised as Ogg Opus when the server starts again", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip || !requireTool("ffmpeg")) return;
  const directory = mkdtempSync(join(tmpdir(), "parley-ogg-"));
  // What a kill -9 leaves: a journal with its start, and a WAV whose header sizes were never written.
  const stereo = new Int16Array(clip.samples.length * 2);
  clip.samples.forEach((sample, i) => (stereo[2 * i] = sample));
  const header = wavHeader(16000, 2, 0);
  writeFileSync(join(directory, "call-1.wav"), Buffer.concat([header, new Uint8Array(stereo.buffer)]));
  writeFileSync(join(directory, "call-1.journal"), JSON.stringify({ kind: "start", at: Date.now() - 5000, id: "call-1", sampleRate: 16000, transport: "rtp", codec: "pcmu", metadata: {} }) + "\n");
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } }).use(recording, { directory, format: "ogg-opus" });
  try {
    await server.listen();
    const document = JSON.parse(readFileSync(join(directory, "call-1.json"), "utf8")) as RecordingDocument;
    assert.equal([document.complete, document.audio.file, document.audio.format], [false, "call-1.ogg", "ogg"]);
    assert.is(existsSync(join(directory, "call-1.wav")), false);
    const [left] = channels(await decodeOgg(join(directory, "call-1.ogg")));
    const found = findAlignment(clip.samples, left, 0, 1600);
    console.log(`ogg opus recovered: ${found.correlation.toFixed(3)} at ${found.lag}`);
    assert.ok(found.correlation >= 0.8, `the recovered audio: ${found.correlation}`);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("Ogg Opus with a public key is refused at start, saying why", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, logger: recordingLogger([]) });
  const publicKey = (await import("./testing.ts")).testKeyPair("x25519").publicPem;
  server.use(recording, { directory: join(tmpdir(), "parley-ogg-refused"), format: "ogg-opus", publicKey });
  try {
    const refused = await server.listen().then(() => undefined, (error: Error) => error);
    assert.match(String(refused?.message), /Recordings cannot be made as ogg-opus: an encrypted recording is a WAV/);
  } finally {
    await server.close();
  }
});

test.run();
