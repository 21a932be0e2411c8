import { Observable, type OperatorFunction, tap } from "rxjs";
import type { AudioFrame } from "../../media/mod.ts";
import type { VoiceActivityDetector } from "./VoiceActivityDetector.ts";

/** How much audio around speech the gate lets through. */
export interface GateOptions {
  /** Audio kept from before the first speech frame, ms (detectors decide a little late). Default 200. */
  preRollMs?: number;
  /** Audio let through after the last speech frame, ms (word endings, short pauses). Default 300. */
  hangoverMs?: number;
}

/**
 * Lets only speech through: frames the detector calls speech, with `preRollMs` of audio before
 * and `hangoverMs` after. Frames keep their own timestamps, so gaps show where audio was dropped.
 * Frames wait for their decision, so with an asynchronous detector (Silero) they come out later.
 *
 * ```ts
 * session.audio(16000).pipe(gateBySpeech(vad, { preRollMs: 300 })).subscribe((frame) => recognizer.write(frame));
 * ```
 */
export function gateBySpeech(detector: VoiceActivityDetector, options: GateOptions = {}): OperatorFunction<AudioFrame, AudioFrame> {
  const preRollMs = options.preRollMs ?? 200;
  const hangoverMs = options.hangoverMs ?? 300;
  return (source) =>
    new Observable<AudioFrame>((subscriber) => {
      const undecided: AudioFrame[] = [];
      const preRoll: AudioFrame[] = [];
      let openUntil = -Infinity;
      return detector.classify(source.pipe(tap((frame) => undecided.push(frame)))).subscribe({
        next(decision) {
          const frame = undecided.shift();
          if (!frame) return;
          const end = decision.timestamp + decision.durationMs;
          if (decision.speech) {
            for (const earlier of preRoll.splice(0)) {
              if (earlier.timestamp >= frame.timestamp - preRollMs) subscriber.next(earlier);
            }
            openUntil = end + hangoverMs;
            subscriber.next(frame);
          } else if (frame.timestamp < openUntil) {
            subscriber.next(frame);
          } else {
            preRoll.push(frame);
            while (preRoll.length > 0 && preRoll[0]!.timestamp < frame.timestamp - preRollMs) preRoll.shift();
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
