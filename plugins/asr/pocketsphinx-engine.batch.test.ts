// test: long (the recognizer's conformance suite on the speech sets)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { skipUnless, waitFor } from "../../core/testing.ts";
import { speechClip } from "../testing.ts";
import { asrConformance, recognize } from "./conformance.ts";
import { AsrError } from "./AsrEngine.ts";
import { createPocketsphinxEngine, missingPocketsphinx } from "./pocketsphinx-engine.ts";
import { pocketsphinxInstalled as installed } from "./test-calls.ts";

// pocketsphinx's own level, as this kit measures it (the same on Node and Deno): dictation WER
// 0.21, telephone band 0.46, clipped cards-005 0.33, digit accuracy 0.69 on digit strings of the
// digits set (8 kHz, accented speakers, half a second of room noise between digits, narrowband
// audio the 16 kHz en-us model was not trained on; 0.50 before grammar decoders got their own
// insertion penalty and silence probability). Limits leave margin.
// Its workers run at the main thread's priority here: at the default niceness (10) they got a tenth
// of a CPU busy with the other test files, and this suite took 130 s instead of 50.
asrConformance("pocketsphinx", () => createPocketsphinxEngine({ workers: 2, niceness: 0 }), { dictationWer: 0.3, telephoneWer: 0.6, digitAccuracy: 0.55 }, () => missingPocketsphinx());

test("a missing model folder is refused at creation, saying what to install", async () => {
  try {
    await createPocketsphinxEngine({ modelDir: "/nonexistent/model" });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, AsrError);
    assert.is((error as AsrError).reason, "engine_unavailable");
    assert.match((error as AsrError).message, /apt-get install -y pocketsphinx pocketsphinx-en-us/);
  }
});

test("what is missing is named: the library when it cannot be found, else the model file", () => {
  const libraries = mkdtempSync(join(tmpdir(), "parley-pocketsphinx-lib-"));
  try {
    assert.match(missingPocketsphinx("/nonexistent/model", libraries)!, /^the pocketsphinx library libpocketsphinx\.so\.3 is not installed in \S+; install it with: apt-get install -y pocketsphinx pocketsphinx-en-us$/);
    // Only existence is checked before a worker loads them.
    for (const name of ["libpocketsphinx.so.3", "libsphinxbase.so.3"]) writeFileSync(join(libraries, name), "");
    assert.match(missingPocketsphinx("/nonexistent/model", libraries)!, /^the pocketsphinx model file \/nonexistent\/model\/en-us\/mdef is missing; install it with/);
  } finally {
    rmSync(libraries, { recursive: true, force: true });
  }
});

test("a worker that dies fails its streams with engine_crashed, and the next stream gets a new worker", async () => {
  if (!installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 1 });
  try {
    let reported: AsrError | undefined;
    const stream = await engine.open({ search: { type: "dictation" }, onError: (error) => (reported = error) });
    stream.write(new Int16Array(1600));
    await engine.terminateWorkers();
    assert.is(reported?.reason, "engine_crashed");
    try {
      await stream.finish();
      assert.unreachable();
    } catch (error) {
      assert.is((error as AsrError).reason, "engine_crashed");
    }
    assert.is((await recognize(engine, new Int16Array(8000))).result.text, "");
  } finally {
    await engine.close();
  }
});

test("a call's next turn, opened while its previous turn is finishing, starts after that final, from the line estimate it ended with; endChannel forgets it", async () => {
  const clip = speechClip("librivox-0880.wav");
  if (!clip || !installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 2 });
  try {
    const order: string[] = [];
    const first = await engine.open({ search: { type: "dictation" }, channel: "call-1" });
    for (let i = 0; i < clip.samples.length; i += 320) first.write(clip.samples.subarray(i, i + 320));
    const firstFinal = first.finish().then((result) => (order.push("first final"), result));
    const second = await engine.open({ search: { type: "dictation" }, channel: "call-1" }).then((stream) => (order.push("second opened"), stream));
    await firstFinal;
    assert.equal(order, ["first final", "second opened"]);
    assert.is(engine.stats().channels, 1, "the call's line is remembered");
    second.write(clip.samples);
    const again = await second.finish();
    assert.ok(again.text.length > 0);
    engine.endChannel("call-1");
    assert.is(engine.stats().channels, 0);
  } finally {
    await engine.close();
  }
});

test("a call that ends while its last turn is being recognised is forgotten for good: that late final does not teach its line back", async () => {
  const clip = speechClip("librivox-0880.wav");
  if (!clip || !installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 1 });
  try {
    const stream = await engine.open({ search: { type: "dictation" }, channel: "call-2" });
    stream.write(clip.samples);
    const final = stream.finish();
    engine.endChannel("call-2");
    assert.ok((await final).text.length > 0, "the final has words, so it would have been learnt");
    assert.is(engine.stats().channels, 0);
  } finally {
    await engine.close();
  }
});

test("a worker builds its warm decoders, then reuses them turn after turn: the engine counts what its workers built", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip || !installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 1 });
  try {
    await waitFor(() => engine.stats().decodersBuilt === 2, 5000, "the warm dictation and plain decoders counted");
    for (let turn = 0; turn < 3; turn++) assert.ok((await recognize(engine, clip.samples)).result.text.length > 0);
    assert.equal({ built: engine.stats().decodersBuilt, freed: engine.stats().decodersFreed }, { built: 2, freed: 0 });
  } finally {
    await engine.close();
  }
});

test("recognition workers run at a lower CPU priority than the main thread (Linux), so the media path wins a busy CPU", async () => {
  if (!skipUnless(process.platform === "linux", "thread priorities are read from Linux's /proc") || !installed()) return;
  const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  // The test runner may itself run under `nice`: the workers go 7 steps below wherever the main thread is.
  const mainNice = niceOf(readFileSync("/proc/self/stat", "utf8"));
  const engine = await createPocketsphinxEngine({ workers: 1, niceness: 7 });
  try {
    const threads = readdirSync("/proc/self/task").map((tid) => niceOf(readFileSync(`/proc/self/task/${tid}/stat`, "utf8")));
    assert.ok(threads.includes(Math.min(19, mainNice + 7)), `thread nice values ${threads.join(", ")} (main thread ${mainNice})`);
    assert.is(niceOf(readFileSync("/proc/self/stat", "utf8")), mainNice, "the main thread keeps its priority");
  } finally {
    await engine.close();
  }
});

test("when every recognition slot is taken a new stream is refused with engine_busy, and accepted again once one frees", async () => {
  if (!installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 1, maxStreamsPerWorker: 2 });
  try {
    const held = [await engine.open({ search: { type: "dictation" }, channel: "a" }), await engine.open({ search: { type: "dictation" }, channel: "b" })];
    try {
      await engine.open({ search: { type: "dictation" }, channel: "c" });
      assert.unreachable("a third stream was accepted");
    } catch (error) {
      assert.is((error as AsrError).reason, "engine_busy");
    }
    held[0]!.cancel();
    assert.is((await recognize(engine, new Int16Array(8000), { channel: "c" })).result.text, "");
    held[1]!.cancel();
    assert.is(engine.stats().streams, 0);
  } finally {
    await engine.close();
  }
});

test("a closed engine refuses new streams with engine_closed", async () => {
  if (!installed()) return;
  const engine = await createPocketsphinxEngine({ workers: 1, warmDecoders: [] });
  await engine.close();
  try {
    await engine.open({ search: { type: "dictation" } });
    assert.unreachable();
  } catch (error) {
    assert.is((error as AsrError).reason, "engine_closed");
  }
});

test.run();
