import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeWav } from "../../media/mod.ts";
import { createRng, sine, whiteNoise } from "../../media/signal-test-utils.ts";
import { telephoneChannel } from "../../media/dsp/telephone-channel.ts";
import { concat, pause, syntheticSpeaker as voice, syntheticVowel } from "../../media/dsp/voice-test-utils.ts";
import { loadBiometricsWeights, VoiceprintModel } from "./model.ts";
import { BiometricsError, BiometricsService } from "./service.ts";
import { VoiceprintStore } from "./voiceprint-store.ts";

const { weights, fingerprint } = loadBiometricsWeights();
const LIMITS = { minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 8000, maxEnrollMs: 30000, threshold: weights.threshold };

async function withService(work: (service: BiometricsService) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "parley-biometrics-"));
  try {
    await work(new BiometricsService(new VoiceprintModel(weights), new VoiceprintStore(folder), fingerprint, LIMITS));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function failure(work: () => Promise<unknown>): Promise<BiometricsError> {
  try {
    await work();
  } catch (error) {
    assert.instance(error, BiometricsError);
    return error as BiometricsError;
  }
  assert.unreachable("expected a BiometricsError");
  throw new Error("unreachable");
}

test("an enrolled voice matches its own new speech and not another voice's", () => withService(async (service) => {
  const enrolled = await service.enroll("alice", service.utterancesOf(voice(110, 1, 1, 6)), true);
  assert.ok(enrolled.totalSpeechMs >= 8000 && enrolled.totalSpeechMs <= 30000 + 6000);
  const same = await service.verify("alice", service.utterancesOf(voice(115, 1, 50, 2)));
  const other = await service.verify("alice", service.utterancesOf(voice(200, 1.2, 100, 2)));
  assert.is(same.verdict, "match");
  assert.is(other.verdict, "no_match");
  assert.ok(same.score > other.score);
}));

test("enrollment stops adding speech at the limit and adds to an existing voiceprint up to it", () => withService(async (service) => {
  const first = await service.enroll("bob", service.utterancesOf(voice(120, 1, 3, 5)), true);
  const more = await service.enroll("bob", service.utterancesOf(voice(120, 1, 30, 10)), false);
  assert.ok(more.totalSpeechMs > first.totalSpeechMs);
  assert.ok(more.totalSpeechMs < 30000 + 6000, "stops within one utterance of the limit");
}));

test("silence, a tone, noise, clipping, a 200 ms utterance and too little speech are refused as insufficient_speech, wideband and over an 8 kHz line", () => withService(async (service) => {
  await service.enroll("carol", service.utterancesOf(voice(130, 1, 7, 6)), true);
  const clipped = concat(pause(0.5), voice(130, 1, 11, 1).map((x) => Math.max(-32768, Math.min(32767, x * 20))), pause(0.5));
  for (const audio of [new Int16Array(48000), concat(pause(0.5), sine(250, 16000, 48000, 12000)), whiteNoise(createRng(3), 48000, 9000), clipped, concat(pause(0.5), syntheticVowel({ f0: 140, endF0: 160, seconds: 0.2 }), pause(1))]) {
    for (const samples of [audio, telephoneChannel(audio)]) {
      assert.is((await failure(() => service.verify("carol", service.utterancesOf(samples)))).reason, "insufficient_speech");
    }
  }
  assert.is((await failure(() => service.enroll("dave", service.utterancesOf(voice(130, 1, 9, 1)), true))).reason, "insufficient_speech");
}));

test("verifying an unknown speaker says not_enrolled, and a voiceprint of other weights says model_mismatch", () => withService(async (service) => {
  assert.is((await failure(() => service.verify("nobody", []))).reason, "not_enrolled");
  await service.store.save({ speakerId: "old", model: "other-weights", createdAt: "", updatedAt: "", speechMs: 9000, statistics: service.model.ubm.createStatistics() });
  assert.is((await failure(() => service.voiceprint("old"))).reason, "model_mismatch");
}));

test("WAV files of any rate and channel count are decoded to 16 kHz mono; anything else is bad_audio", () => withService(async (service) => {
  const stereo8k = new Int16Array(16000);
  assert.equal(service.decodeWav(writeWav(stereo8k, 8000, 2)).samples.length, 16000);
  assert.is(service.wavEnrollment(writeWav(stereo8k, 8000, 2)).companions.length, 0, "narrowband audio needs no telephone companion");
  assert.is((await failure(async () => service.decodeWav(new Uint8Array([1, 2, 3])))).reason, "bad_audio");
}));

test.run();
