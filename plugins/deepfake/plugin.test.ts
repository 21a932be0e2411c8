import { firstValueFrom, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventInput } from "../../core/mod.ts";
import { createRng, sine, whiteNoise } from "../../media/signal-test-utils.ts";
import { telephoneChannel } from "../../media/dsp/telephone-channel.ts";
import { analyticsStreams, concat, pause, syntheticUtterance, syntheticVowel } from "../../media/dsp/voice-test-utils.ts";
import { type DeepfakeChannel, DeepfakeModel } from "./model.ts";
import { deepfakeEvents, type DeepfakeOptions } from "./plugin.ts";

const model = new DeepfakeModel();
const OPTIONS: DeepfakeOptions = { minVoicedMs: 1000, rollingWindowMs: 30000, rollingIntervalMs: 5000, minRollingSpeechMs: 2000 };
type DeepfakeEvent = Extract<EventInput, { type: "deepfake" }>;

async function run(samples: Int16Array, options: Partial<DeepfakeOptions> = {}, channel: DeepfakeChannel = "wideband", codec?: string): Promise<DeepfakeEvent[]> {
  const streams = analyticsStreams(samples);
  const collected = firstValueFrom(deepfakeEvents({ ...streams, channel, codec }, model, { ...OPTIONS, ...options }).pipe(toArray()));
  streams.run();
  return (await collected) as DeepfakeEvent[];
}

const speech = () => concat(pause(0.4, 16000, 20), syntheticUtterance(12, 120), pause(0.6, 16000, 20), syntheticUtterance(12, 210, createRng(4)), pause(0.6, 16000, 20));

test("each utterance gets a score, an LLR and a verdict at the model's operating point, then the rolling score", async () => {
  const events = await run(speech());
  const utterances = events.filter((e) => e.scope === "utterance");
  assert.is(utterances.length, 2);
  for (const event of utterances) {
    assert.is(event.status, "ok");
    assert.is(event.verdict, event.llr >= model.threshold("wideband") ? "synthetic" : "bonafide");
    assert.ok(event.score > 0 && event.score < 1);
    assert.ok(event.reliable && event.model === "wideband");
  }
  assert.ok(events.some((e) => e.scope === "rolling" && e.status === "ok"));
});

test("the operating point is configurable: a threshold below every score calls everything synthetic", async () => {
  const events = await run(speech(), { threshold: -1000 });
  const scored = events.filter((e) => e.status === "ok");
  assert.ok(scored.length > 0 && scored.every((e) => e.verdict === "synthetic" && e.threshold === -1000));
});

test("Opus calls are judged at the Opus operating point, which the committed weights set apart from the uncoded one", async () => {
  assert.not.equal(model.threshold("wideband", "opus"), model.threshold("wideband"));
  assert.is(model.threshold("wideband", "l16"), model.threshold("wideband"), "a codec without its own threshold uses the model's");
  const events = await run(speech(), {}, "wideband", "opus");
  assert.ok(events.some((e) => e.status === "ok" && e.threshold === model.threshold("wideband", "opus")));
});

test("telephone calls use the telephone model and are marked unreliable", async () => {
  const events = await run(speech(), {}, "telephone");
  assert.ok(events.every((e) => e.model === "telephone" && !e.reliable));
  assert.ok(events.some((e) => e.status === "ok" && e.threshold === model.threshold("telephone")));
});

test("silence, a tone, noise, clipping and a 200 ms utterance give insufficient_speech verdicts, wideband and over an 8 kHz line", async () => {
  const cases: [string, Int16Array][] = [
    ["silence", new Int16Array(16000 * 6)],
    ["tone", concat(pause(1), sine(220, 16000, 48000, 12000))],
    ["noise", whiteNoise(createRng(6), 96000, 8000)],
    ["clipped", concat(pause(0.5), syntheticUtterance(12).map((x) => Math.max(-32768, Math.min(32767, x * 20))), pause(1))],
    ["too_short", concat(pause(1), syntheticVowel({ f0: 140, endF0: 170, seconds: 0.2 }), pause(5))],
  ];
  for (const [name, audio] of cases) {
    for (const [channel, samples] of [["wideband", audio], ["telephone", telephoneChannel(audio)]] as const) {
      const events = await run(samples, {}, channel);
      assert.ok(events.length > 0, `${name} (${channel}): the rolling score still reports`);
      assert.ok(events.every((e) => e.verdict === "insufficient_speech" && e.status === "insufficient_speech"), `${name} (${channel})`);
    }
  }
});

test.run();
