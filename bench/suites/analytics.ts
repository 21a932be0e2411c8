import { type Observable, share, Subject, type Subscription } from "rxjs";
import { type BiometricsService, biometricsEvents, createBiometricsService, type Voiceprint } from "../../plugins/biometrics/mod.ts";
import { DeepfakeModel, deepfakeEvents } from "../../plugins/deepfake/mod.ts";
import { EmotionModel, emotionEvents } from "../../plugins/emotion/mod.ts";
import { extractFeatures, type FeatureFrame, segmentSpeech, type SpeechSegment } from "../../media/dsp/mod.ts";
import type { AudioFrame } from "../../media/frame.ts";
import { pinkNoise } from "../background-noise.ts";
import { speechLike } from "../speech-like.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** 20 ms blocks of `samples`. */
function blocksOf(samples: Int16Array): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let at = 0; at + 320 <= samples.length; at += 320) frames.push(samples.subarray(at, at + 320));
  return frames;
}

/** Five 4-second stretches of speech-like audio, each followed by a second of silence, at 16 kHz. */
function conversation(): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let seed = 1; seed <= 5; seed++) frames.push(...blocksOf(speechLike(16000, 4, seed)), ...Array.from({ length: 50 }, () => new Int16Array(320)));
  return frames;
}

/** What every call of the suite shares, as the plugins share it across a server's calls. */
interface Models {
  emotion: EmotionModel;
  deepfake: DeepfakeModel;
  service: BiometricsService;
  voiceprint: Voiceprint;
}

function loadModels(): Models {
  const service = createBiometricsService({ directory: ".", claimKeys: [], enrollKey: "", minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 0, maxEnrollMs: 30000, routes: false, maxWavBytes: 0 });
  // A voiceprint of the same speech-like voice, held in memory: the bench does no I/O.
  const statistics = service.model.ubm.createStatistics();
  for (const utterance of service.utterancesOf(speechLike(16000, 10, 99))) service.model.enroll(utterance, statistics);
  const voiceprint: Voiceprint = { speakerId: "bench", model: service.fingerprint, createdAt: "", updatedAt: "", speechMs: 10000, statistics };
  return { emotion: new EmotionModel(), deepfake: new DeepfakeModel(), service, voiceprint };
}

/**
 * One call's analytics, per 20 ms frame: the shared feature extraction and speech segmentation
 * (computed once per session) with the emotion, deepfake and biometrics plugins all subscribed,
 * biometrics verifying a claimed identity. Each run pushes the call's next frame of `frames`
 * (looped); utterance scoring happens when an utterance ends, so the mean includes it.
 */
function analyticsCall(name: string, frames: readonly Int16Array[], models: Models): BenchCase & { subscriptions: Subscription[] } {
  const audio = new Subject<AudioFrame>();
  const features$: Observable<FeatureFrame> = audio.pipe(extractFeatures(), share());
  const segments$: Observable<SpeechSegment> = features$.pipe(segmentSpeech(), share());
  const emotionOptions = { minVoicedMs: 500, rollingWindowMs: 20000, rollingIntervalMs: 5000, minRollingSpeechMs: 1000, textWeight: 0.3, escalations: [{ label: "angry" as const, threshold: 0.7, forMs: 5000 }], speakerBaselineUtterances: 0 };
  const deepfakeOptions = { falseAlarmRate: 0.01, minVoicedMs: 1000, rollingWindowMs: 120000, rollingIntervalMs: 5000, minRollingSpeechMs: 3000 };
  const voiceprint$ = new Subject<Voiceprint | undefined>();
  let events = 0;
  const count = () => events++;
  const subscriptions = [
    emotionEvents({ features$, segments$, events$: new Subject<{ type: string }>() }, models.emotion, emotionOptions).subscribe(count),
    deepfakeEvents({ features$, segments$, channel: "wideband" }, models.deepfake, deepfakeOptions).subscribe(count),
    biometricsEvents({ sessionId: name, segments$, claimedSpeaker: "bench", voiceprint$ }, models.service).subscribe(count),
  ];
  voiceprint$.next(models.voiceprint);
  let next = 0;
  return {
    name,
    batch: 10,
    run: () => {
      const index = next++;
      audio.next({ samples: frames[index % frames.length]!, sampleRate: 16000, timestamp: index * 20, seq: index });
      return events;
    },
    subscriptions,
  };
}

/**
 * The analytics of one call on a speech-like conversation, and on a caller who says nothing over
 * a quiet line (silence) and over a noisy room (noise): silence and noise only have their level
 * measured, so they show the floor under the per-frame cost.
 */
export function analyticsSuite(): BenchSuite {
  const models = loadModels();
  const calls = [
    analyticsCall("analytics.frame", conversation(), models),
    analyticsCall("analytics.frame.silence", blocksOf(pinkNoise(16000, 10, -75)), models),
    analyticsCall("analytics.frame.noise", blocksOf(pinkNoise(16000, 10, -45)), models),
  ];
  return {
    name: "analytics",
    cases: calls.map(({ name, batch, run }) => ({ name, batch, run })),
    close: () => {
      for (const subscription of calls.flatMap((call) => call.subscriptions)) subscription.unsubscribe();
    },
  };
}
