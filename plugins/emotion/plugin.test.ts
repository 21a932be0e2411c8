import { Subject, toArray, firstValueFrom, type Observable } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, ParleyError } from "../../core/mod.ts";
import { createRng, sine, whiteNoise } from "../../media/signal-test-utils.ts";
import { telephoneChannel } from "../../media/dsp/telephone-channel.ts";
import { analyticsStreams, concat, pause, syntheticUtterance, syntheticVowel } from "../../media/dsp/voice-test-utils.ts";
import { EmotionModel } from "./model.ts";
import { emotion, emotionEvents, type EmotionOptions } from "./plugin.ts";

const model = new EmotionModel();
const OPTIONS: EmotionOptions = { minVoicedMs: 500, rollingWindowMs: 20000, rollingIntervalMs: 5000, minRollingSpeechMs: 1000, textWeight: 0.3, escalations: [{ label: "angry", threshold: 0.7, forMs: 5000 }], speakerBaselineUtterances: 0 };

type EmotionEvent = Extract<EventInput, { type: "emotion" }>;

async function run(samples: Int16Array, options: Partial<EmotionOptions> = {}, transcripts: { text: string; endMs: number }[] = []): Promise<EventInput[]> {
  const streams = analyticsStreams(samples);
  const events$ = new Subject<{ type: string }>();
  const output: Observable<EventInput> = emotionEvents({ ...streams, events$ }, model, { ...OPTIONS, ...options });
  const collected = firstValueFrom(output.pipe(toArray()));
  for (const transcript of transcripts) events$.next({ type: "transcript", ...transcript });
  events$.complete();
  streams.run();
  return collected;
}

const speech = () => concat(pause(0.4, 16000, 20), syntheticUtterance(10, 130), pause(0.6, 16000, 20), syntheticUtterance(10, 200, createRng(9)), pause(0.6, 16000, 20));

test("each utterance gets scores that sum to 1, a label, arousal and valence, followed by the rolling estimate", async () => {
  const events = await run(speech());
  const utterances = events.filter((e): e is EmotionEvent => e.type === "emotion" && e.scope === "utterance");
  assert.is(utterances.length, 2);
  for (const event of utterances) {
    assert.is(event.status, "ok");
    const sum = Object.values(event.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3);
    assert.ok(["neutral", "happy", "sad", "angry"].includes(event.label));
    assert.ok(Math.abs(event.arousal) <= 1 && Math.abs(event.valence) <= 1);
    assert.ok(event.endMs > event.startMs && event.speechMs >= 500);
  }
  const rolling = events.filter((e): e is EmotionEvent => e.type === "emotion" && e.scope === "rolling" && e.status === "ok");
  assert.ok(rolling.length >= 2);
});

test("silence, a tone, noise, clipping and a 200 ms utterance are reported as insufficient speech, never labelled, wideband and over an 8 kHz line", async () => {
  const cases: [string, Int16Array][] = [
    ["silence", new Int16Array(16000 * 6)],
    ["tone", concat(pause(1), sine(300, 16000, 16000 * 3, 12000), pause(1))],
    ["noise", whiteNoise(createRng(2), 16000 * 6, 8000)],
    ["clipped", concat(pause(0.5), syntheticUtterance(10).map((x) => Math.max(-32768, Math.min(32767, x * 20))), pause(1))],
    ["too_short", concat(pause(1), syntheticVowel({ f0: 150, endF0: 170, seconds: 0.2 }), pause(5))],
  ];
  for (const [name, audio] of cases) {
    for (const [line, samples] of [["16 kHz", audio], ["8 kHz", telephoneChannel(audio)]] as const) {
      const events = (await run(samples)).filter((e): e is EmotionEvent => e.type === "emotion");
      assert.ok(events.length > 0, `${name} (${line}): the rolling estimate still reports`);
      for (const event of events) {
        assert.is(event.status, "insufficient_speech", `${name} (${line})`);
        assert.is(event.label, "unknown", `${name} (${line})`);
      }
      const utterance = events.find((e) => e.scope === "utterance");
      if (name !== "silence" && name !== "noise") assert.is(utterance?.reason, name, `${name} (${line})`);
    }
  }
});

test("with a speaker baseline, utterances are scored against the caller's own once enough have been heard", async () => {
  const scored = (await run(speech(), { speakerBaselineUtterances: 2 })).filter((e): e is EmotionEvent => e.type === "emotion" && e.scope === "utterance" && e.status === "ok");
  assert.equal(scored.map((e) => e.speakerNormalised), [false, true]);
  const plain = (await run(speech())).filter((e): e is EmotionEvent => e.type === "emotion" && e.scope === "utterance" && e.status === "ok");
  assert.equal(plain.map((e) => e.speakerNormalised), [false, false]);
  assert.not.equal(scored[1]!.scores, plain[1]!.scores, "the second utterance is scored by the other model");
});

test("negative transcripts pull the rolling valence down", async () => {
  const plain = await run(speech());
  const angryWords = await run(speech(), {}, [{ text: "this is ridiculous, absolutely terrible, I want to cancel", endMs: 1000 }]);
  const last = (events: EventInput[]) => events.filter((e): e is EmotionEvent => e.type === "emotion" && e.scope === "rolling" && e.status === "ok").at(-1)!;
  assert.ok(last(angryWords).textSentiment! < 0);
  assert.ok(last(angryWords).valence < last(plain).valence);
  assert.is(last(plain).textSentiment, undefined);
});

test("an escalation rule fires once when its class stays above the threshold long enough", async () => {
  const events = await run(speech(), { escalations: [{ label: "neutral", threshold: 0, forMs: 1000 }] });
  const escalations = events.filter((e) => e.type === "emotion.escalation");
  assert.is(escalations.length, 1);
  assert.ok((await run(speech())).every((e) => e.type !== "emotion.escalation" || (e as { score: number }).score >= 0.7));
});

test("options are validated at registration", () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } });
  try {
    server.use(emotion, { escalations: [{ label: "bored", threshold: 0.5, forMs: 1 }] } as never);
    assert.unreachable("accepted an unknown label");
  } catch (error) {
    assert.instance(error, ParleyError);
    assert.is((error as ParleyError).code, "PARLEY_ERR_PLUGIN_OPTIONS");
  }
});

test.run();
