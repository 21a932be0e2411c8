import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { silentLogger } from "../../core/log.ts";
import { readWav } from "../../media/wav.ts";
import type { RecordingDocument } from "./document.ts";
import { recordingFiles } from "./files.ts";
import type { JournalEntry } from "./journal.ts";
import { recoverRecordings } from "./recover.ts";
import { wavHeader } from "../../media/wav.ts";

const lines = (...entries: JournalEntry[]) => entries.map((entry) => JSON.stringify(entry) + "\n").join("");

function folder(): string {
  return mkdtempSync(join(tmpdir(), "parley-recover-"));
}

test("an interrupted recording gets a WAV sized from its length and an incomplete document from its journal", async () => {
  const directory = folder();
  try {
    const files = recordingFiles(directory, "call-1");
    // A header still saying 0 bytes, 0.5 s of stereo audio at 16 kHz and half a frame after it.
    writeFileSync(files.wav, Buffer.concat([wavHeader(16000, 2, 0), Buffer.alloc(32000, 1), Buffer.from([7, 7])]));
    writeFileSync(files.journal, lines(
      { kind: "start", at: 10_000, id: "call-1", sampleRate: 16000, transport: "rtp", codec: "pcmu", metadata: {} },
      { kind: "join", at: 10_000, participant: "call-1", role: "caller" },
      { kind: "event", at: 10_200, event: { type: "voicebot.intent", intent: "billing" } },
    ) + '{"kind":"ev');
    assert.equal(await recoverRecordings(directory, silentLogger), ["call-1"]);
    assert.equal(readdirSync(directory).sort(), ["call-1.json", "call-1.wav"]);
    const wav = readWav(new Uint8Array(readFileSync(files.wav)));
    assert.is(wav.samples.length, 16000);
    const document = JSON.parse(readFileSync(files.document, "utf8")) as RecordingDocument;
    assert.is(document.complete, false);
    assert.is(document.audio.durationMs, 500);
    assert.is(document.end, 10_500);
    assert.equal(document.events, [{ type: "voicebot.intent", intent: "billing" }]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a recording stopped before its journal reached disk still gets a document, from what its WAV tells", async () => {
  const directory = folder();
  try {
    const files = recordingFiles(directory, "call-2");
    writeFileSync(files.wav, Buffer.concat([wavHeader(8000, 2, 0), Buffer.alloc(3200)]));
    writeFileSync(files.journal, "");
    await recoverRecordings(directory, silentLogger);
    const document = JSON.parse(readFileSync(files.document, "utf8")) as RecordingDocument;
    assert.is(document.complete, false);
    assert.is(document.audio.sampleRate, 8000);
    assert.is(document.audio.durationMs, 100);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a finished recording whose journal outlived its document only loses the journal; other files are left alone", async () => {
  const directory = folder();
  try {
    const files = recordingFiles(directory, "call-3");
    writeFileSync(files.wav, wavHeader(16000, 2, 0));
    writeFileSync(files.document, '{"complete":true}');
    writeFileSync(files.journal, "");
    writeFileSync(join(directory, "other.wav"), wavHeader(16000, 1, 0));
    assert.equal(await recoverRecordings(directory, silentLogger), []);
    assert.not.ok(existsSync(files.journal));
    assert.is(readFileSync(files.document, "utf8"), '{"complete":true}');
    assert.ok(existsSync(join(directory, "other.wav")));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
