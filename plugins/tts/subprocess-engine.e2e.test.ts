import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireTool } from "../../core/testing.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { concatSamples } from "../testing.ts";
import { createFestivalEngine, createFliteEngine } from "./subprocess-engine.ts";
import { synthesizeAll } from "./testing.ts";
import { type TtsEngine, TtsError } from "./TtsEngine.ts";


const engines = [
  { name: "flite", command: "flite", create: createFliteEngine },
  { name: "festival", command: "text2wave", create: createFestivalEngine },
];

for (const { name, command, create } of engines) {
  test(`${name}: speaks a text as 20 ms frames of audible speech, sentence by sentence`, async () => {
    if (!requireTool(command)) return;
    const engine = await create();
    const { frames, firstMs, totalMs } = await synthesizeAll(engine, "Thank you for calling. Your order has shipped. It will arrive on Thursday.");
    assert.ok(frames.length > 100);
    assert.ok(frames.slice(0, -1).every((f, i) => f.samples.length === f.sampleRate / 50 && f.timestamp === i * 20));
    assert.ok(rms(concatSamples(...frames.map((f) => f.samples))) > 500);
    assert.ok(firstMs < totalMs, `first audio after ${firstMs.toFixed(0)} of ${totalMs.toFixed(0)} ms: the first sentence is not held back by the others`);
    await engine.close();
  });

  test(`${name}: an unknown voice is refused as bad_voice`, async () => {
    if (!requireTool(command)) return;
    const engine = await create();
    for (const voice of ["nonexistent", "x; (quit)"]) {
      try {
        await synthesizeAll(engine, "Hello.", { voice });
        assert.unreachable(voice);
      } catch (error) {
        assert.instance(error, TtsError);
        assert.is((error as TtsError).reason, "bad_voice");
      }
    }
  });

  test(`${name}: breaking out after the first frames stops the synthesiser`, async () => {
    if (!requireTool(command)) return;
    const engine = await create();
    let count = 0;
    for await (const _frame of engine.synthesize("One sentence here. ".repeat(10))) if (++count === 3) break;
    assert.is(count, 3);
    assert.ok((await synthesizeAll(engine, "Still working.")).frames.length > 10);
  });
}

test("a synthesiser that is not installed is refused at creation, saying what to install", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    await createFliteEngine();
    assert.unreachable();
  } catch (error) {
    assert.is((error as TtsError).reason, "engine_unavailable");
    assert.match((error as TtsError).message, /apt-get install -y flite/);
  } finally {
    process.env.PATH = path;
  }
});

test.run();
