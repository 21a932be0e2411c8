// A recording's audio through many flushes: each channel's queue copies what it holds into a ring
// it gives back as the frames are interleaved (fifo-slab.ts), so a long call goes round the rings
// many times; every frame must still reach the file whole and in its place, with the masking
// lookback holding frames back.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SessionInfo } from "../../core/mod.ts";
import { readWav } from "../../media/mod.ts";
import { recordingFiles } from "./files.ts";
import { Recorder } from "./recorder.ts";
import { channels } from "./testing.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-recorder-memory-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const info: SessionInfo = { id: "long-call", transport: "rtp", codec: "pcmu", sampleRate: 8000, startedAt: Date.now(), metadata: {} };

test("a 30 s call flushed every half second reaches the file frame for frame, though its channels' rings went round many times", async () => {
  const recorder = new Recorder(recordingFiles(folder, info.id), info, 16000, () => false, { maskLookbackMs: 400 });
  const frames = 1498;
  for (let frame = 0; frame < frames; frame++) {
    recorder.heard(new Int16Array(320).fill(-frame));
    // The caller's packets come in bursts of 7 frames (within the alignment's slack), so the heard channel's ring holds up to 7 frames when it goes round.
    if (frame % 7 === 6) for (let late = frame - 6; late <= frame; late++) recorder.caller(new Int16Array(320).fill(late));
    if (frame % 25 === 24) await recorder.flush();
  }
  const document = await recorder.finish({ at: Date.now(), reason: "hangup", durationMs: frames * 20 });
  const [left, right] = channels(readWav(new Uint8Array(readFileSync(join(folder, document.audio.file)))).samples);
  assert.is(left.length, frames * 320);
  for (let frame = 0; frame < frames; frame++) {
    for (const at of [0, 159, 319]) {
      assert.is(left[frame * 320 + at], frame, `left, frame ${frame}`);
      assert.is(right[frame * 320 + at], -frame, `right, frame ${frame}`);
    }
  }
});

test.run();
