import { Observable, type OperatorFunction } from "rxjs";
import type { FeatureFrame } from "./features.ts";
import { type SegmenterOptions, type SpeechSegment, SpeechSegmenter } from "./speech-segmenter.ts";

/**
 * Groups a FeatureFrame stream into utterances (see SpeechSegmenter); the utterance in progress
 * is emitted when the stream completes.
 *
 *   features$.pipe(segmentSpeech({ hangoverMs: 300 })).subscribe((utterance) =>
 *     console.log(`${utterance.startMs}-${utterance.endMs} ms: ${utterance.frames.length} frames`));
 */
export function segmentSpeech(options?: SegmenterOptions): OperatorFunction<FeatureFrame, SpeechSegment> {
  return (source) =>
    new Observable<SpeechSegment>((subscriber) => {
      const segmenter = new SpeechSegmenter(options);
      const emit = (segment: SpeechSegment) => subscriber.next(segment);
      return source.subscribe({
        next: (frame) => segmenter.push(frame, emit),
        error: (error) => subscriber.error(error),
        complete: () => {
          segmenter.flush(emit);
          subscriber.complete();
        },
      });
    });
}
