import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireNothingMissing } from "../../core/testing.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { createPocketsphinxEngine, missingPocketsphinx, phraseGrammar } from "../asr/mod.ts";
import { recognize } from "../asr/conformance.ts";
import { concatSamples, resample } from "../testing.ts";
import { createEspeakEngine } from "./espeak-engine.ts";
import { synthesizeAll } from "./testing.ts";
import { type TtsEngine, TtsError, type TtsWordMark } from "./TtsEngine.ts";

let engine: TtsEngine;
test.before(async () => {
  engine = await createEspeakEngine();
});
test.after(() => engine.close());


test("a sentence comes out as consecutive 20 ms frames of audible speech at 22.05 kHz", async () => {
  const { frames } = await synthesizeAll(engine, "Thank you for calling. How can I help you today?");
  assert.ok(frames.length > 100, `${frames.length} frames`);
  assert.ok(frames.slice(0, -1).every((f, i) => f.sampleRate === 22050 && f.samples.length === 441 && f.seq === i && f.timestamp === i * 20));
  assert.ok(rms(concatSamples(...frames.map((f) => f.samples))) > 1000, "not silence");
});

test("the first frame comes long before the text is synthesised (streaming)", async () => {
  await synthesizeAll(engine, "Warm up.");
  const long = "Your order has shipped and should arrive on Thursday. ".repeat(6);
  const started = performance.now();
  const { firstMs } = await synthesizeAll(engine, long);
  const totalMs = performance.now() - started;
  // Relative, so a busy machine does not fail it: the first frame within the first third of the synthesis.
  assert.ok(firstMs < totalMs / 3, `first audio after ${firstMs.toFixed(0)} ms of ${totalMs.toFixed(0)} ms`);
});

test("a consumer slower than the synthesis (the player's pace) still gets every frame, every time", async () => {
  const lengths = [];
  for (let run = 0; run < 5; run++) {
    let samples = 0;
    for await (const frame of engine.synthesize("Billing.")) {
      samples += frame.samples.length;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    lengths.push(samples);
  }
  assert.ok(lengths.every((n) => n > 22050 * 0.3), `samples per run: ${lengths.join(", ")}`);
});

test("word marks point at the words of the text and move forward in the audio", async () => {
  const text = "Please say your account number.";
  const marks: TtsWordMark[] = [];
  const { frames } = await synthesizeAll(engine, text, { onWord: (mark: TtsWordMark) => marks.push(mark) });
  assert.equal(marks.map((m) => text.slice(m.offset, m.offset + m.length)), ["Please", "say", "your", "account", "number"]);
  assert.ok(marks.every((m, i) => i === 0 || m.audioMs > marks[i - 1]!.audioMs));
  assert.ok(marks.at(-1)!.audioMs < frames.length * 20);
});

test("breaking out of the stream stops the synthesis, and a short text asked meanwhile is not held back", async () => {
  const long = "This sentence is long and will be cut off. ".repeat(20);
  // What the whole long text takes on this machine now: the yardstick (a time limit would fail on a busy machine).
  const whole = (await synthesizeAll(engine, long)).totalMs;
  const iterator = engine.synthesize(long)[Symbol.asyncIterator]();
  await iterator.next();
  const { firstMs, frames } = await synthesizeAll(engine, "Yes.");
  // The long text is 20 sentences; the short one waits for one sentence at most, not for the rest.
  assert.ok(firstMs < whole / 4 && frames.length > 5, `the short text started after ${firstMs.toFixed(0)} ms, the whole long text takes ${whole.toFixed(0)} ms`);
  await iterator.return?.();
  assert.ok((await iterator.next()).done);
});

test("an aborted signal ends the stream early without an error", async () => {
  const stop = new AbortController();
  let count = 0;
  for await (const _frame of engine.synthesize("One two three four five six seven eight nine ten. ".repeat(5), { signal: stop.signal })) {
    if (++count === 5) stop.abort();
  }
  assert.ok(count >= 5 && count < 50, `${count} frames`);
});

test("an unknown voice is a TtsError bad_voice; empty text is no audio; the engine keeps working", async () => {
  try {
    await synthesizeAll(engine, "Hello", { voice: "xx-nonexistent" });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TtsError);
    assert.is((error as TtsError).reason, "bad_voice");
  }
  assert.is((await synthesizeAll(engine, "   ")).frames.length, 0);
  assert.ok((await synthesizeAll(engine, "Still here.", { voice: "en-us" })).frames.length > 10);
});

test("what it says is what a recogniser hears: each item of an IVR menu (pocketsphinx, menu grammar)", async () => {
  if (!requireNothingMissing(missingPocketsphinx())) return;
  const asr = await createPocketsphinxEngine({ workers: 1, warmDecoders: [] });
  const menu = ["billing", "refund", "order status", "talk to a person"];
  const search = { type: "grammar" as const, jsgf: phraseGrammar(menu) };
  try {
    const heard = [];
    for (const item of menu) {
      const { frames } = await synthesizeAll(engine, `${item}.`);
      const speech = resample(concatSamples(...frames.map((f) => f.samples)), 22050, 16000);
      heard.push((await recognize(asr, concatSamples(new Int16Array(4800), speech, new Int16Array(4800)), { search })).result.text);
    }
    assert.equal(heard, menu);
  } finally {
    await asr.close();
  }
});

test.run();
