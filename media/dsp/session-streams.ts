// The analytics streams of a session, derived once and shared by every plugin that asks: the
// feature frames and the speech segments made from them. Typed against the two Session methods
// they need, so media/ stays free of core/.
import type { Observable } from "rxjs";
import type { AudioFrame } from "../frame.ts";
import { extractFeatures } from "./extract-features.ts";
import { FEATURE_SAMPLE_RATE, type FeatureFrame } from "./features.ts";
import { segmentSpeech } from "./segment-speech.ts";
import type { SpeechSegment } from "./speech-segmenter.ts";

/** What these helpers need of a session (core's Session has both). */
export interface SharedStreamSource {
  audio(sampleRate: number): Observable<AudioFrame>;
  shared<T>(key: string, create: () => Observable<T>): Observable<T>;
}

/** Key of the shared feature stream. */
export const FEATURES_STREAM = "dsp.features";
/** Key of the shared speech segment stream. */
export const SEGMENTS_STREAM = "dsp.segments";

/** The session's feature frames, computed once for all plugins. */
export function sessionFeatures(session: SharedStreamSource): Observable<FeatureFrame> {
  return session.shared(FEATURES_STREAM, () => session.audio(FEATURE_SAMPLE_RATE).pipe(extractFeatures()));
}

/** The session's speech segments (default segmenter), computed once for all plugins. */
export function sessionSegments(session: SharedStreamSource): Observable<SpeechSegment> {
  return session.shared(SEGMENTS_STREAM, () => sessionFeatures(session).pipe(segmentSpeech()));
}
