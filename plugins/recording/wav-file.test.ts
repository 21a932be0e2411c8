import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readWav } from "../../media/wav.ts";
import { SampleAppender } from "./appender.ts";
import { finaliseWav, WavSink } from "./wav-file.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-wav-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const ramp = (from: number, count: number) => Int16Array.from({ length: count }, (_, i) => from + i);

test("an appended WAV is a valid file after every flush, holding exactly what was flushed", async () => {
  const path = join(folder, "a.wav");
  const wav = new SampleAppender(new WavSink(path, 16000, 2));
  wav.append(ramp(0, 320));
  wav.append(ramp(320, 320));
  assert.is(wav.pendingSamples, 640);
  await wav.flush();
  let read = readWav(new Uint8Array(readFileSync(path)));
  assert.is(read.sampleRate, 16000);
  assert.is(read.channels, 2);
  assert.equal([...read.samples], [...ramp(0, 640)]);
  wav.append(ramp(640, 100));
  await wav.flush();
  read = readWav(new Uint8Array(readFileSync(path)));
  assert.equal([...read.samples], [...ramp(0, 740)]);
  await wav.close();
  assert.is(wav.dataBytes, 1480);
});

test("appends made while a flush runs go to disk with the next one, in order", async () => {
  const path = join(folder, "b.wav");
  const wav = new SampleAppender(new WavSink(path, 8000, 2));
  wav.append(ramp(0, 1000));
  const first = wav.flush();
  wav.append(ramp(1000, 1000));
  const second = wav.flush();
  await Promise.all([first, second]);
  await wav.close();
  assert.equal([...readWav(new Uint8Array(readFileSync(path))).samples], [...ramp(0, 2000)]);
});

test("a flush of more blocks than one vectored write takes (after a stall) writes them all, in order, views into shared buffers included", async () => {
  const path = join(folder, "d.wav");
  const wav = new SampleAppender(new WavSink(path, 16000, 2));
  // 2500 blocks of 4 samples, each a view into the middle of a larger buffer, as the aligner carves them.
  const shared = ramp(0, 10000 + 8);
  for (let block = 0; block < 2500; block++) wav.append(shared.subarray(4 + block * 4, 8 + block * 4));
  await wav.close();
  assert.equal([...readWav(new Uint8Array(readFileSync(path))).samples], [...ramp(4, 10000)]);
});

test("finalising a WAV whose header sizes are stale takes the sizes from the file's length, cut to whole stereo frames", async () => {
  const path = join(folder, "c.wav");
  const wav = new SampleAppender(new WavSink(path, 16000, 2));
  wav.append(ramp(0, 400));
  await wav.close();
  // A crash after more samples and half a frame reached the file, before the header was patched.
  const bytes = readFileSync(path);
  const extra = new Uint8Array(new Int16Array(ramp(400, 200)).buffer);
  writeFileSync(path, Buffer.concat([bytes, extra, Buffer.from([1, 2, 3])]));
  assert.is(await finaliseWav(path, 2), 1200);
  const read = readWav(new Uint8Array(readFileSync(path)));
  assert.equal([...read.samples], [...ramp(0, 600)]);
  assert.is(readFileSync(path).length, 44 + 1200);
});

test.run();
