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
const OPTIONS: DeepfakeOptions = { falseAlarmRate: 0.01, minVoicedMs: 1000, rollingWindowMs: 30000, rollingIntervalMs: 5000, minRollingSpeechMs: 2000 };
type DeepfakeEvent = Extract<EventInput, { type: "deepfake" }>;

async function run(samples: Int16Array, options: Partial<DeepfakeOptions> = {}, channel: DeepfakeChannel = "wideband", codec?: string): Promise<DeepfakeEvent[]> {
  const streams = analyticsStreams(samples);
  const collected = firstValueFrom(deepfakeEvents({ ...streams, channel, codec }, model, { ...OPTIONS, ...options }).pipe(toArray()));
  streams.run();
  return (await collected) as DeepfakeEvent[];
}

const speech = () => concat(pause(0.4, 16000, 20), syntheticUtterance(12, 120), pause(0.6, 16000, 20), syntheticUtterance(12, 210, createRng(4)), pause(0.6, 16000, 20));

const verdictOf = (e: DeepfakeEvent) => (e.llr >= e.threshold && e.scope === "rolling" ? "synthetic" : e.llr >= e.uncertainThreshold ? "uncertain" : "bonafide");

test("each utterance gets a score, an LLR and a verdict at the model's operating points (1% false alarms by default), then the rolling score", async () => {
  const events = await run(speech());
  const utterances = events.filter((e) => e.scope === "utterance");
  assert.is(utterances.length, 2);
  const defaults = model.thresholds("wideband", 0.01);
  for (const event of [...utterances, ...events.filter((e) => e.scope === "rolling" && e.status === "ok")]) {
    assert.is(event.status, "ok");
    assert.is(event.verdict, verdictOf(event));
    assert.equal([event.threshold, event.uncertainThreshold], [defaults.synthetic, defaults.uncertain]);
    assert.ok(event.score > 0 && event.score < 1);
    assert.ok(event.reliable && event.model === "wideband");
  }
  assert.ok(events.some((e) => e.scope === "rolling" && e.status === "ok"));
});

test("a threshold below every score: the rolling score over the call says synthetic, a single utterance only uncertain", async () => {
  const events = await run(speech(), { threshold: -1000 });
  const scored = events.filter((e) => e.status === "ok");
  assert.ok(scored.length > 0 && scored.every((e) => e.threshold === -1000 && e.uncertainThreshold === -1000));
  assert.ok(scored.filter((e) => e.scope === "utterance").every((e) => e.verdict === "uncertain"));
  assert.ok(scored.filter((e) => e.scope === "rolling").every((e) => e.verdict === "synthetic"));
});

test("the false-alarm rate sets the threshold: fewer false alarms allowed, a higher threshold; uncertain starts no higher than synthetic", () => {
  const strict = model.thresholds("wideband", 0.002);
  const lax = model.thresholds("wideband", 0.2);
  assert.ok(strict.synthetic > model.thresholds("wideband", 0.01).synthetic && model.thresholds("wideband", 0.01).synthetic > lax.synthetic);
  for (const point of [strict, lax, model.thresholds("telephone", 0.01)]) assert.ok(point.uncertain <= point.synthetic);
});

test("Opus calls are judged at the Opus operating point, which the committed weights set apart from the uncoded one", async () => {
  assert.not.equal(model.thresholds("wideband", 0.01, "opus"), model.thresholds("wideband", 0.01));
  assert.equal(model.thresholds("wideband", 0.01, "l16"), model.thresholds("wideband", 0.01), "a codec without its own operating point uses the model's");
  const events = await run(speech(), {}, "wideband", "opus");
  assert.ok(events.some((e) => e.status === "ok" && e.threshold === model.thresholds("wideband", 0.01, "opus").synthetic));
});

test("telephone calls use the telephone model and are marked unreliable", async () => {
  const events = await run(speech(), {}, "telephone");
  assert.ok(events.every((e) => e.model === "telephone" && !e.reliable));
  assert.ok(events.some((e) => e.status === "ok" && e.threshold === model.thresholds("telephone", 0.01).synthetic));
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
