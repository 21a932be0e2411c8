// test: alone (what a kill -9 loses judged against the flush interval)
// Crash safety, for real: a server recording a call is killed with SIGKILL while the caller is
// speaking, and a new server started on the same folder finalises the recording. It must hold all
// but at most the last second of what the caller said before the kill, and say it is incomplete;
// encrypted, every whole chunk the killed server wrote must decrypt.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "../../core/mod.ts";
import { findAlignment, secondBySecond, sleep } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { RtpTestPeer, resample, speechClip } from "../testing.ts";
import { decryptRecordingFile } from "./decrypt.ts";
import type { RecordingDocument } from "./document.ts";
import { fingerprintText } from "./envelope.ts";
import { recording } from "./plugin.ts";
import { testKeyPair } from "./testing.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
/** How long the caller speaks before the kill, ms: in our runs this lands just before one of the 250 ms flushes, the worst moment. */
const SPOKEN_MS = 5200;

/** Starts crash-child.ts recording into `directory`; resolves with the process and its call once it is ready. */
function startChild(directory: string, publicKeyFile?: string): Promise<{ child: ChildProcess; id: string; port: number }> {
  const childArgs = [CHILD, directory, "46720-46739", ...(publicKeyFile ? [publicKeyFile] : [])];
  const args = "Deno" in globalThis ? ["run", "-A", ...childArgs] : ["--import", "tsx", ...childArgs];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child did not start in 30 s:\n${output}`)), 30000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\{.*\})/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, ...JSON.parse(ready[1]!) });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => reject(new Error(`the child exited (${code}) before it was ready:\n${output}`)));
  });
}

for (const encrypted of [false, true]) {
  test(`kill -9 mid-call: the next server finalises the ${encrypted ? "encrypted " : ""}recording, which holds all but at most the last second of the caller's speech`, async () => {
    const clip = speechClip("jfk.wav");
    if (!clip) return;
    const directory = mkdtempSync(join(tmpdir(), "parley-crash-"));
    const keys = encrypted ? testKeyPair("x25519") : undefined;
    const publicKeyFile = join(directory, "public.pem");
    if (keys) writeFileSync(publicKeyFile, keys.publicPem);
    try {
      const { child, id, port } = await startChild(directory, keys && publicKeyFile);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      const peer = new RtpTestPeer(port);
      const started = performance.now();
      const speaking = peer.sendRealTime(clip.samples.subarray(0, (SPOKEN_MS + 2000) * 16), clip.sampleRate).catch(() => {});
      await sleep(SPOKEN_MS);
      child.kill("SIGKILL");
      const spokenMs = performance.now() - started;
      await exited;
      await peer.close();
      await speaking;
      assert.ok(existsSync(join(directory, `${id}.journal`)), "the killed server left its journal");
      assert.not.ok(existsSync(join(directory, `${id}.json`)), "and no document");

      // A new server on the same folder finalises what the killed one left.
      const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46740-46759", symmetric: false }, logLevel: "error" }).use(recording, { directory, ...(keys ? { publicKey: keys.publicPem } : {}) });
      try {
        await server.listen();
      } finally {
        await server.close();
      }
      const audioFile = encrypted ? `${id}.wav.enc` : `${id}.wav`;
      assert.equal(readdirSync(directory).filter((name) => name !== "public.pem").sort(), [`${id}.json`, audioFile], "the journal is replaced by the document");
      const document = JSON.parse(readFileSync(join(directory, `${id}.json`), "utf8")) as RecordingDocument;
      assert.is(document.complete, false);
      assert.equal(document.participants.map((p) => p.id), [id]);
      assert.is(document.session.transport, "rtp");
      assert.is(document.audio.file, audioFile);
      let wavPath = join(directory, audioFile);
      if (keys) {
        assert.is(document.audio.encryption?.keyFingerprint, fingerprintText(keys.publicKey.fingerprint));
        wavPath = join(directory, "decrypted.wav");
        const opened = await decryptRecordingFile(join(directory, audioFile), wavPath, keys.privateKey);
        assert.equal([opened.complete, opened.droppedBytes], [false, 0], "recovery cut the incomplete chunk; the file ends without its last chunk");
      }

      const wav = readWav(new Uint8Array(readFileSync(wavPath)));
      const left = new Int16Array(wav.samples.length / 2).map((_, i) => wav.samples[2 * i]!);
      assert.ok(Math.abs(left.length / 16 - document.audio.durationMs) <= 1);
      const sent = resample(resample(clip.samples.subarray(0, Math.round(spokenMs * 16)), 16000, 8000), 8000, 16000);
      // Everything but the last second must be there, where the call put it.
      const kept = sent.subarray(0, sent.length - 16000);
      // From 100 ms before the file's start: the caller's first packet may never have arrived.
      const found = findAlignment(kept, left, -1600, Math.max(0, left.length - 16000));
      // A stall of the child (a busy machine, a runtime warming up) can shift later words against
      // earlier ones, which one alignment of the whole cannot follow: then each second of what was
      // said must be found on its own, and the last one tells how much was kept.
      const seconds = found.correlation >= 0.8 ? [] : secondBySecond(kept, left, 16000);
      const last = seconds.at(-1);
      const recordedMs = last ? (left.length - (last.lag - last.from)) / 16 : (left.length - found.lag) / 16;
      const lostMs = spokenMs - recordedMs;
      const correlations = seconds.length > 0 ? `second by second ${seconds.map((second) => second.correlation.toFixed(2)).join(" ")}` : found.correlation.toFixed(3);
      console.log(`crash${encrypted ? " (encrypted)" : ""}: spoke ${spokenMs.toFixed(0)} ms before the kill, recorded ${recordedMs.toFixed(0)} ms of it (from ${(found.lag / 16).toFixed(0)} ms into the file), lost ${lostMs.toFixed(0)} ms; correlation ${correlations}`);
      assert.ok(found.correlation >= 0.8 || seconds.every((second) => second.correlation >= 0.8), `the caller's speech is on the left: ${correlations}`);
      assert.ok(lostMs <= 1000, `lost ${lostMs} ms of speech`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
}

test.run();
