import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SessionInfo } from "../../core/mod.ts";
import { readWav } from "../../media/mod.ts";
import { recordingFiles } from "./files.ts";
import { DEFAULT_KEPT_EVENTS } from "./plugin.ts";
import { RecorderThread } from "./recorder-thread.ts";
import { channels } from "./testing.ts";

const info = (id: string): SessionInfo => ({ id, transport: "rtp", codec: "pcmu", sampleRate: 8000, startedAt: Date.now(), metadata: {} });

function thread(directory: string, errors: string[]): RecorderThread {
  return new RecorderThread({ directory, sampleRate: 16000, flushIntervalMs: 100, maskLookbackMs: 0, events: DEFAULT_KEPT_EVENTS, format: "wav" }, { error: (message) => errors.push(message), keptWav: () => {} });
}

test("two calls recorded in the thread keep their own audio, in order, and a pause given between frames silences both channels from there", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recorder-thread-"));
  const errors: string[] = [];
  const recorders = thread(directory, errors);
  try {
    const calls = ["thread-a", "thread-b"].map((id, index) => ({ index, recording: recorders.open(info(id), recordingFiles(directory, id)) }));
    for (let frame = 0; frame < 20; frame++) {
      for (const { index, recording } of calls) {
        if (frame === 10 && index === 1) assert.ok(recording.pause(Date.now()));
        // Each frame is filled with a value that names its call and its place.
        recording.caller(new Int16Array(320).fill(1000 * (index + 1) + frame));
        recording.heard(new Int16Array(320).fill(-(1000 * (index + 1) + frame)));
      }
    }
    assert.not.ok(calls[1]!.recording.pause(Date.now()), "a second pause is refused");
    const documents = await Promise.all(calls.map(({ recording }) => recording.finish({ at: Date.now(), reason: "hangup", durationMs: 400 })));
    for (const { index } of calls) {
      const [left, right] = channels(readWav(new Uint8Array(readFileSync(join(directory, documents[index]!.audio.file)))).samples);
      assert.is(left.length, 20 * 320);
      for (let frame = 0; frame < 20; frame++) {
        const paused = index === 1 && frame >= 10;
        assert.is(left[frame * 320 + 5], paused ? 0 : 1000 * (index + 1) + frame, `call ${index}, frame ${frame}, left`);
        assert.is(right[frame * 320 + 5], paused ? 0 : -(1000 * (index + 1) + frame), `call ${index}, frame ${frame}, right`);
      }
    }
    assert.equal(documents[1]!.masked.map((interval) => [interval.reason, interval.startMs]), [["api", 200]]);
    assert.equal(errors, []);
  } finally {
    await recorders.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("what the caller heard keeps its place while it waits, batches later, for the caller's late audio (the batch it came in went back to the main thread)", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recorder-thread-"));
  const errors: string[] = [];
  const recorders = thread(directory, errors);
  try {
    const recording = recorders.open(info("thread-late"), recordingFiles(directory, "thread-late"));
    for (let frame = 0; frame < 8; frame++) recording.heard(new Int16Array(320).fill(-100 - frame));
    // More than a batch's time: the heard frames went to the thread in a batch of their own, whose buffers came back.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let frame = 0; frame < 8; frame++) recording.caller(new Int16Array(320).fill(100 + frame));
    for (let frame = 0; frame < 8; frame++) recording.heard(new Int16Array(320).fill(7));
    const document = await recording.finish({ at: Date.now(), reason: "hangup", durationMs: 320 });
    const [left, right] = channels(readWav(new Uint8Array(readFileSync(join(directory, document.audio.file)))).samples);
    for (let frame = 0; frame < 8; frame++) {
      assert.is(left[frame * 320 + 100], 100 + frame, `left, frame ${frame}`);
      assert.is(right[frame * 320 + 100], -100 - frame, `right, frame ${frame}`);
    }
    assert.equal(errors, []);
  } finally {
    await recorders.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a recording still open when the thread closes fails its end with a clear error instead of hanging", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recorder-thread-"));
  const recorders = thread(directory, []);
  try {
    const recording = recorders.open(info("thread-open"), recordingFiles(directory, "thread-open"));
    await recorders.close();
    const error = await recording.finish({ at: Date.now(), reason: "hangup", durationMs: 0 }).then(() => undefined, (failure: Error) => failure);
    assert.match(String(error?.message), /finalised at the next start/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
