// Turns per-frame speech decisions into the moments a conversation cares about: the caller starts
// speaking, stops speaking, and has finished their turn. Pure state machine on media time, so the
// same audio gives the same events whatever the wall clock does.
import type { Static } from "../../core/mod.ts";
import type { VAD_EVENTS } from "./events.ts";
import type { VadDecision } from "./VoiceActivityDetector.ts";

/** Endpointing settings (all in ms of media time). */
export interface EndpointerOptions {
  /** Speech must add up to this much before `vad.speech_start` fires (guards against clicks). Default 60. */
  minSpeechMs?: number;
  /** Non-speech this long ends a speech segment (`vad.speech_end`); shorter gaps are part of it. Default 150. */
  hangoverMs?: number;
  /** Silence this long after the last speech ends the caller's turn (`turn.end`). Default 500; at least `hangoverMs`. */
  minSilenceMs?: number;
}

/** The caller started speaking (payload declared with its schema in events.ts). */
export type SpeechStartEvent = { type: "vad.speech_start" } & Static<(typeof VAD_EVENTS)["vad.speech_start"]>;

/** A stretch of speech ended. */
export type SpeechEndEvent = { type: "vad.speech_end" } & Static<(typeof VAD_EVENTS)["vad.speech_end"]>;

/** The caller's turn is over: they spoke, then stayed silent for `minSilenceMs`. */
export type TurnEndEvent = { type: "turn.end" } & Static<(typeof VAD_EVENTS)["turn.end"]>;

/** Any event the endpointer produces. */
export type EndpointEvent = SpeechStartEvent | SpeechEndEvent | TurnEndEvent;

/** Decides speech segments and turns from a stream of VAD decisions; one per audio stream. */
export class Endpointer {
  readonly minSpeechMs: number;
  readonly hangoverMs: number;
  readonly minSilenceMs: number;
  /**
   * Speech counted towards `minSpeechMs` before a segment starts, where that run began and ended.
   * A run that never reaches `minSpeechMs` (a click, a cough) neither starts a segment nor delays the end of a turn.
   */
  #runSpeechMs = 0;
  #runStart = 0;
  #runEnd = -Infinity;
  #inSegment = false;
  #segmentStart = 0;
  #lastSpeechEnd = -Infinity;
  #inTurn = false;
  #turnStart = 0;
  #turnSpeechMs = 0;
  #turnSegments = 0;

  constructor(options: EndpointerOptions = {}) {
    this.minSpeechMs = nonNegative("minSpeechMs", options.minSpeechMs ?? 60);
    this.hangoverMs = nonNegative("hangoverMs", options.hangoverMs ?? 150);
    this.minSilenceMs = Math.max(this.hangoverMs, nonNegative("minSilenceMs", options.minSilenceMs ?? 500));
  }

  /** True between `turn.end`s once speech has started: the caller holds the floor. */
  get inTurn(): boolean {
    return this.#inTurn;
  }

  /** Feeds one decision; returns the events it causes (usually none), in order. */
  push(decision: VadDecision): EndpointEvent[] {
    const events: EndpointEvent[] = [];
    const end = decision.timestamp + decision.durationMs;
    if (decision.speech) {
      if (this.#inSegment) {
        this.#lastSpeechEnd = end;
        return events;
      }
      if (this.#runSpeechMs === 0 || decision.timestamp - this.#runEnd >= this.hangoverMs) {
        this.#runSpeechMs = 0;
        this.#runStart = decision.timestamp;
      }
      this.#runSpeechMs += decision.durationMs;
      this.#runEnd = end;
      if (this.#runSpeechMs >= this.minSpeechMs) {
        this.#inSegment = true;
        this.#lastSpeechEnd = end;
        this.#segmentStart = this.#runStart;
        this.#runSpeechMs = 0;
        if (!this.#inTurn) {
          this.#inTurn = true;
          this.#turnStart = this.#runStart;
          this.#turnSpeechMs = 0;
          this.#turnSegments = 0;
        }
        events.push({ type: "vad.speech_start", startMs: this.#runStart, detectedMs: end });
      }
      return events;
    }
    const silence = end - this.#lastSpeechEnd;
    if (this.#inSegment && silence >= this.hangoverMs) events.push(this.#endSegment());
    if (this.#inTurn && !this.#inSegment && silence >= this.minSilenceMs) events.push(this.#endTurn(silence, "silence"));
    return events;
  }

  /** The audio ended: closes an open segment and turn. */
  flush(): EndpointEvent[] {
    const events: EndpointEvent[] = [];
    if (this.#inSegment) events.push(this.#endSegment());
    if (this.#inTurn) events.push(this.#endTurn(0, "end_of_stream"));
    this.#runSpeechMs = 0;
    return events;
  }

  #endSegment(): SpeechEndEvent {
    this.#inSegment = false;
    const durationMs = this.#lastSpeechEnd - this.#segmentStart;
    this.#turnSpeechMs += durationMs;
    this.#turnSegments++;
    return { type: "vad.speech_end", startMs: this.#segmentStart, endMs: this.#lastSpeechEnd, durationMs };
  }

  #endTurn(silenceMs: number, reason: TurnEndEvent["reason"]): TurnEndEvent {
    this.#inTurn = false;
    return {
      type: "turn.end",
      startMs: this.#turnStart,
      endMs: this.#lastSpeechEnd,
      durationMs: this.#lastSpeechEnd - this.#turnStart,
      speechMs: this.#turnSpeechMs,
      silenceMs,
      segments: this.#turnSegments,
      reason,
    };
  }
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a non-negative number of ms, got ${value}`);
  return value;
}
