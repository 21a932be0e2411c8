import { Observable, type OperatorFunction } from "rxjs";
import { type EndpointEvent, Endpointer, type EndpointerOptions } from "./Endpointer.ts";
import type { VadDecision } from "./VoiceActivityDetector.ts";

/**
 * Turns VAD decisions into speech and turn events (see `Endpointer`); when the decisions end, an
 * open segment and turn are closed with reason "end_of_stream".
 *
 * ```ts
 * vad.classify(session.audio(16000)).pipe(endpoint({ minSilenceMs: 400 }))
 *   .subscribe((event) => event.type === "turn.end" && answer());
 * ```
 */
export function endpoint(options: EndpointerOptions = {}): OperatorFunction<VadDecision, EndpointEvent> {
  return (decisions) =>
    new Observable<EndpointEvent>((subscriber) => {
      const endpointer = new Endpointer(options);
      return decisions.subscribe({
        next(decision) {
          for (const event of endpointer.push(decision)) subscriber.next(event);
        },
        error: (error) => subscriber.error(error),
        complete() {
          for (const event of endpointer.flush()) subscriber.next(event);
          subscriber.complete();
        },
      });
    });
}
