import { Observable, type OperatorFunction } from "rxjs";
import type { AudioFrame } from "../frame.ts";
import { MediaParseError } from "../errors.ts";
import { FEATURE_SAMPLE_RATE, FeatureExtractor, type FeatureFrame, type FeatureOptions } from "./features.ts";

/**
 * Turns a 16 kHz AudioFrame stream into a FeatureFrame stream, one feature frame per 20 ms
 * (see FeatureExtractor). Errors with MediaParseError (`bad_sample_rate`) on another rate.
 * Share it per session rather than running one per consumer:
 *
 *   const features$ = session.shared("dsp.features", () => session.audio(16000).pipe(extractFeatures()));
 *   features$.subscribe((frame) => console.log(frame.timestamp, frame.f0));
 */
export function extractFeatures(options?: FeatureOptions): OperatorFunction<AudioFrame, FeatureFrame> {
  return (source) =>
    new Observable<FeatureFrame>((subscriber) => {
      const extractor = new FeatureExtractor(options);
      const emit = (frame: FeatureFrame) => subscriber.next(frame);
      return source.subscribe({
        next(frame) {
          if (frame.sampleRate !== FEATURE_SAMPLE_RATE) {
            subscriber.error(new MediaParseError("bad_sample_rate", `features need ${FEATURE_SAMPLE_RATE} Hz audio, got ${frame.sampleRate} Hz`));
            return;
          }
          extractor.push(frame.samples, frame.timestamp, emit);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
