// The ASR plugin's work on one session: follow the VAD plugin's events, run one utterance per
// caller turn through the engine, and say what was heard.
import { Observable } from "rxjs";
import type { AudioFrame, EventInput, Session } from "../../core/mod.ts";
import type { AsrEngine, AsrError, AsrSearch } from "./AsrEngine.ts";
import "./events.ts";
import type { UtteranceEnd } from "./events.ts";
import { Utterance } from "./Utterance.ts";

/** Settings of turn transcription. */
export interface TranscribeOptions {
  /** What to listen for until an `asr.search` event says otherwise. */
  search: AsrSearch;
  /** Audio kept from before the detected start of speech, ms (detectors decide a little late; the engine wants a little silence). */
  preRollMs: number;
  /** A turn longer than this is cut into utterances of this length (engines slow down and grow on very long utterances), ms. */
  maxUtteranceMs: number;
}

/** Where figures go (the plugin binds them to Prometheus metrics). */
export interface TranscribeMetrics {
  /** End of the caller's turn to the final transcript, seconds. */
  finalLatency(seconds: number): void;
  /** A failed utterance, by reason. */
  error(reason: string): void;
}

/** Audio kept in memory for the pre-roll beyond `preRollMs`: the VAD's own decision delay. */
const RING_SLACK_MS = 500;

/**
 * Transcribes a session's caller turns: an utterance starts at `vad.speech_start` (with
 * `preRollMs` of earlier audio) and ends at `turn.end`, giving a `transcript` event; partial
 * results give `transcript.partial`; failures give `asr.error` and the next turn starts afresh.
 * A turn the call's end cuts off is recognised and reported before `session.ended`.
 */
export function transcribeTurns(session: Session, engine: AsrEngine, options: TranscribeOptions, metrics?: TranscribeMetrics): Observable<EventInput> {
  return new Observable<EventInput>((subscriber) => {
    const ring: AudioFrame[] = [];
    let search = options.search;
    let current: Utterance | undefined;
    let speechStartMs = 0;
    let count = 0;

    const reportError = (error: AsrError, utteranceId?: string) => {
      metrics?.error(error.reason);
      subscriber.next({ type: "asr.error", engine: engine.name, reason: error.reason, message: error.message, ...(utteranceId ? { utteranceId } : {}) });
    };

    const begin = (fromMs: number) => {
      const id = `${session.id}:${++count}`;
      const utterance = new Utterance(id, engine, search, session.id, {
        partial: (text) => subscriber.next({ type: "transcript.partial", utteranceId: id, text, startMs: speechStartMs }),
        failed: (error) => {
          if (current === utterance) current = undefined;
          reportError(error, id);
        },
      });
      current = utterance;
      for (const frame of ring) if (frame.timestamp >= fromMs) utterance.write(frame);
    };

    const end = (endpoint: UtteranceEnd, endMs: number) => {
      const utterance = current!;
      current = undefined;
      const startMs = speechStartMs;
      const endedAt = performance.now();
      // A turn that ends with the call (the caller's last words at hangup) is still reported.
      session.finishing(utterance.finish().then(
        (result) => {
          const seconds = (performance.now() - endedAt) / 1000;
          metrics?.finalLatency(seconds);
          subscriber.next({
            type: "transcript",
            utteranceId: utterance.id,
            text: result.text,
            confidence: result.confidence,
            words: result.words,
            startMs,
            endMs,
            latencyMs: Math.round(seconds * 1000),
            engine: engine.name,
            search: utterance.search.type,
            endpoint,
          });
        },
        (error) => reportError(error, utterance.id),
      ));
    };

    const audio = session.audio(engine.sampleRate).subscribe((frame) => {
      ring.push(frame);
      while (ring.length > 0 && ring[0]!.timestamp < frame.timestamp - options.preRollMs - RING_SLACK_MS) ring.shift();
      if (!current) return;
      current.write(frame);
      // A write can end the utterance at once (the engine failed), so look again.
      if (current && current.durationMs >= options.maxUtteranceMs) {
        const cutAt = current.endMs;
        end("max_duration", cutAt);
        speechStartMs = cutAt;
        begin(cutAt);
      }
    });

    const events = session.events$.subscribe((event) => {
      if (event.type === "vad.speech_start") {
        if (current) return;
        speechStartMs = event.startMs;
        begin(event.startMs - options.preRollMs);
      } else if (event.type === "turn.end") {
        if (current) end("turn_end", event.endMs);
      } else if (event.type === "asr.search") {
        search = event.search;
      }
    });

    return () => {
      audio.unsubscribe();
      events.unsubscribe();
      current?.cancel();
      engine.endChannel?.(session.id);
    };
  });
}
