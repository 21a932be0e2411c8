import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { silentLogger } from "../../core/log.ts";
import { readWav } from "../../media/wav.ts";
import { SampleAppender } from "./appender.ts";
import { decryptRecordingFile } from "./decrypt.ts";
import type { RecordingDocument } from "./document.ts";
import { fingerprintText } from "./envelope.ts";
import { EncryptedSink, finaliseEncrypted } from "./encrypted-file.ts";
import { recordingFiles } from "./files.ts";
import type { JournalEntry } from "./journal.ts";
import { recoverRecordings } from "./recover.ts";
import { testKeyPair } from "./testing.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-encrypted-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const keys = testKeyPair("x25519");
const ramp = (from: number, count: number) => Int16Array.from({ length: count }, (_, i) => from + i);

test("an encrypted recording decrypts after every flush to exactly what was flushed, and once closed it is complete", async () => {
  const path = join(folder, "a.wav.enc");
  const audio = new SampleAppender(new EncryptedSink(path, keys.publicKey, 16000, 2));
  audio.append(ramp(0, 640));
  await audio.flush();
  let result = await decryptRecordingFile(path, join(folder, "a1.wav"), keys.privateKey);
  assert.equal([...readWav(new Uint8Array(readFileSync(join(folder, "a1.wav")))).samples], [...ramp(0, 640)]);
  assert.equal([result.chunks, result.complete], [1, false]);
  audio.append(ramp(640, 100));
  await audio.close();
  result = await decryptRecordingFile(path, join(folder, "a2.wav"), keys.privateKey);
  const wav = readWav(new Uint8Array(readFileSync(join(folder, "a2.wav"))));
  assert.equal([wav.sampleRate, wav.channels], [16000, 2]);
  assert.equal([...wav.samples], [...ramp(0, 740)]);
  assert.equal([result.chunks, result.complete, result.dataBytes], [2, true, 1480]);
});

test("finalising an encrypted recording a crash cut inside a chunk drops only that chunk, without the key, and leaves the rest decryptable", async () => {
  const path = join(folder, "b.wav.enc");
  const audio = new SampleAppender(new EncryptedSink(path, keys.publicKey, 8000, 2));
  audio.append(ramp(0, 400));
  await audio.flush();
  audio.append(ramp(400, 400));
  await audio.flush();
  const whole = readFileSync(path).length;
  audio.append(ramp(800, 400));
  await audio.flush();
  // The server stops here: the file is left without its last chunk, and the crash cut the chunk before.
  await audio.sink.close();
  truncateSync(path, whole + 300);
  const extent = await finaliseEncrypted(path);
  assert.equal([extent?.dataBytes, extent?.complete, extent?.header.sampleRate], [1600, false, 8000]);
  assert.is(readFileSync(path).length, whole);
  await decryptRecordingFile(path, join(folder, "b.wav"), keys.privateKey);
  assert.equal([...readWav(new Uint8Array(readFileSync(join(folder, "b.wav")))).samples], [...ramp(0, 800)]);
});

test("a wrong key leaves no WAV behind", async () => {
  const path = join(folder, "c.wav.enc");
  const audio = new SampleAppender(new EncryptedSink(path, keys.publicKey, 16000, 2));
  audio.append(ramp(0, 640));
  await audio.close();
  const error = await decryptRecordingFile(path, join(folder, "c.wav"), testKeyPair("x25519").privateKey).catch((error) => error);
  assert.is(error.code, "PARLEY_ERR_RECORDING_WRONG_KEY");
  assert.equal(readdirSync(folder).filter((name) => name.startsWith("c.")), ["c.wav.enc"]);
});

test("an interrupted encrypted recording is recovered without its key: the header kept, the incomplete chunk cut, the document naming the key", async () => {
  const directory = mkdtempSync(join(folder, "recover-"));
  const files = recordingFiles(directory, "call-9");
  const audio = new SampleAppender(new EncryptedSink(files.encrypted, keys.publicKey, 16000, 2));
  audio.append(ramp(0, 16000));
  await audio.flush();
  audio.append(ramp(0, 320));
  await audio.flush();
  await audio.sink.close();
  truncateSync(files.encrypted, readFileSync(files.encrypted).length - 5);
  const entries: JournalEntry[] = [
    { kind: "start", at: 50_000, id: "call-9", sampleRate: 16000, transport: "rtp", codec: "opus", metadata: {} },
    { kind: "join", at: 50_000, participant: "call-9", role: "caller" },
  ];
  writeFileSync(files.journal, entries.map((entry) => JSON.stringify(entry) + "\n").join(""));
  assert.equal(await recoverRecordings(directory, silentLogger), ["call-9"]);
  assert.equal(readdirSync(directory).sort(), ["call-9.json", "call-9.wav.enc"]);
  const document = JSON.parse(readFileSync(files.document, "utf8")) as RecordingDocument;
  assert.is(document.complete, false);
  assert.is(document.audio.file, "call-9.wav.enc");
  assert.is(document.audio.durationMs, 500);
  assert.equal(document.audio.encryption, { format: "parley-recording-1", keyWrapping: "X25519-HKDF-SHA256-A256GCM", keyFingerprint: fingerprintText(keys.publicKey.fingerprint) });
  const result = await decryptRecordingFile(files.encrypted, join(directory, "out.wav"), keys.privateKey);
  assert.equal([result.chunks, result.complete, result.droppedBytes], [1, false, 0]);
  assert.equal([...readWav(new Uint8Array(readFileSync(join(directory, "out.wav")))).samples], [...ramp(0, 16000)]);
});

test("an encrypted recording a crash stopped inside its header holds no audio: it becomes an empty plain WAV", async () => {
  const directory = mkdtempSync(join(folder, "recover-"));
  const files = recordingFiles(directory, "call-10");
  writeFileSync(files.encrypted, "PARLREC1\x02");
  writeFileSync(files.journal, JSON.stringify({ kind: "start", at: 1000, id: "call-10", sampleRate: 16000, transport: "rtp", codec: "opus", metadata: {} }) + "\n");
  assert.equal(await recoverRecordings(directory, silentLogger), ["call-10"]);
  assert.equal(readdirSync(directory).sort(), ["call-10.json", "call-10.wav"]);
  const document = JSON.parse(readFileSync(files.document, "utf8")) as RecordingDocument;
  assert.equal([document.audio.file, document.audio.durationMs, document.audio.encryption], ["call-10.wav", 0, undefined]);
});

test.run();
