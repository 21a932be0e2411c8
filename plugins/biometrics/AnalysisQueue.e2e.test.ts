import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeWav } from "../../media/mod.ts";
import { AnalysisQueue } from "./AnalysisQueue.ts";
import { BiometricsError } from "./BiometricsError.ts";
import { loadBiometricsWeights } from "./model.ts";
import { speechWav } from "./testing.ts";

const { weights } = loadBiometricsWeights();
const LIMITS = { minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 8000, maxEnrollMs: 30000, threshold: weights.threshold };

async function reason(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    assert.instance(error, BiometricsError);
    return (error as BiometricsError).reason;
  }
  assert.unreachable("expected a BiometricsError");
  return "";
}

test("places are refused with busy once all are taken, and given back however the work ends", async () => {
  const queue = new AnalysisQueue(weights, 1);
  assert.match(await queue.admit(() => Promise.reject(new Error("the client went away"))).catch((error: Error) => error.message), /went away/);
  assert.is(queue.admitted, 0, "a failed request gives its place back");
  let release!: () => void;
  const first = queue.admit(() => new Promise<void>((resolve) => (release = resolve)));
  const second = queue.admit(() => new Promise<void>((resolve) => setTimeout(resolve, 10)));
  assert.is(queue.admitted, 2);
  assert.is(await reason(queue.admit(async () => {})), "busy");
  release();
  await Promise.all([first, second]);
  assert.is(queue.admitted, 0);
  await queue.close();
});

test("the worker's results and refusals come back as values and coded errors; closing fails what runs, without a crash", async () => {
  const queue = new AnalysisQueue(weights, 2);
  const enrollment = await queue.enroll(speechWav(16000, 12), undefined, LIMITS);
  assert.ok(enrollment.totalSpeechMs >= 8000);
  const verification = await queue.verify(speechWav(16000, 6), enrollment.statistics, LIMITS);
  assert.is(verification.verdict, "match");
  assert.is(await reason(queue.verify(new Uint8Array(writeWav(new Int16Array(32000), 16000)), enrollment.statistics, LIMITS)), "insufficient_speech");
  const running = reason(queue.enroll(speechWav(48000, 100), undefined, LIMITS));
  await queue.close();
  assert.is(await running, "analysis_failed");
  assert.is(await reason(queue.verify(speechWav(16000, 6), enrollment.statistics, LIMITS)), "analysis_failed");
});

test.run();
