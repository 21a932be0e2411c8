import { type Observable, share, Subject } from "rxjs";
import { biometricsEvents, createBiometricsService, type Voiceprint } from "../../plugins/biometrics/mod.ts";
import { DeepfakeModel, deepfakeEvents } from "../../plugins/deepfake/mod.ts";
import { EmotionModel, emotionEvents } from "../../plugins/emotion/mod.ts";
import { extractFeatures, type FeatureFrame, segmentSpeech, type SpeechSegment } from "../../media/dsp/mod.ts";
import type { AudioFrame } from "../../media/frame.ts";
import { speechLike } from "../speech-like.ts";
import type { BenchSuite } from "../suite.ts";

/** Five 4-second stretches of speech-like audio, each followed by a second of silence, at 16 kHz. */
function conversation(): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    const speech = speechLike(16000, 4, seed);
    for (let at = 0; at + 320 <= speech.length; at += 320) frames.push(speech.subarray(at, at + 320));
    for (let i = 0; i < 50; i++) frames.push(new Int16Array(320));
  }
  return frames;
}

/**
 * The analytics of one call, per 20 ms frame: the shared feature extraction and speech
 * segmentation (computed once per session) with the emotion, deepfake and biometrics plugins all
 * subscribed, biometrics verifying a claimed identity. Each call pushes the next frame of a
 * conversation through; utterance scoring happens when an utterance ends, so the mean includes it.
 */
export function analyticsSuite(): BenchSuite {
  const frames = conversation();
  const audio = new Subject<AudioFrame>();
  const features$: Observable<FeatureFrame> = audio.pipe(extractFeatures(), share());
  const segments$: Observable<SpeechSegment> = features$.pipe(segmentSpeech(), share());
  const emotionOptions = { minVoicedMs: 500, rollingWindowMs: 20000, rollingIntervalMs: 5000, minRollingSpeechMs: 1000, textWeight: 0.3, escalations: [{ label: "angry" as const, threshold: 0.7, forMs: 5000 }], speakerBaselineUtterances: 0 };
  const deepfakeOptions = { minVoicedMs: 1000, rollingWindowMs: 30000, rollingIntervalMs: 5000, minRollingSpeechMs: 2000 };
  const service = createBiometricsService({ directory: ".", claimKeys: [], enrollKey: "", minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 0, maxEnrollMs: 30000, routes: false, maxWavBytes: 0 });
  // A voiceprint of the same speech-like voice, held in memory: the bench does no I/O.
  const statistics = service.model.ubm.createStatistics();
  for (const utterance of service.utterancesOf(speechLike(16000, 10, 99))) service.model.enroll(utterance, statistics);
  const voiceprint: Voiceprint = { speakerId: "bench", model: service.fingerprint, createdAt: "", updatedAt: "", speechMs: 10000, statistics };
  const voiceprint$ = new Subject<Voiceprint | undefined>();

  let events = 0;
  const count = () => events++;
  const subscriptions = [
    emotionEvents({ features$, segments$, events$: new Subject<{ type: string }>() }, new EmotionModel(), emotionOptions).subscribe(count),
    deepfakeEvents({ features$, segments$, channel: "wideband" }, new DeepfakeModel(), deepfakeOptions).subscribe(count),
    biometricsEvents({ sessionId: "bench", segments$, claimedSpeaker: "bench", voiceprint$ }, service).subscribe(count),
  ];
  voiceprint$.next(voiceprint);
  let next = 0;
  return {
    name: "analytics",
    cases: [{
      name: "analytics.frame",
      batch: 10,
      run: () => {
        const index = next++;
        audio.next({ samples: frames[index % frames.length]!, sampleRate: 16000, timestamp: index * 20, seq: index });
        return events;
      },
    }],
    close: () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
