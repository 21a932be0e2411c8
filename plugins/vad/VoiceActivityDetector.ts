import type { Observable } from "rxjs";
import type { AudioFrame } from "../../media/mod.ts";

/** The detector's verdict on one input frame. */
export interface VadDecision {
  /** Media time of the frame's first sample, in ms (the frame's own timestamp). */
  readonly timestamp: number;
  /** Length of the frame, in ms. */
  readonly durationMs: number;
  /** How sure the detector is that the frame holds speech, 0 to 1 (WebRTC VAD: the share of its 10 ms blocks judged speech). */
  readonly probability: number;
  /** The decision, after the engine's own threshold and hysteresis. */
  readonly speech: boolean;
}

/**
 * A voice activity detector engine. One instance serves every stream of the process; `classify`
 * keeps each stream's state in its subscription.
 *
 * ```ts
 * const vad = await createWebRtcVad({ mode: 3 });
 * session.audio(16000).pipe((frames) => vad.classify(frames)).subscribe((d) => console.log(d.speech));
 * ```
 */
export interface VoiceActivityDetector {
  /** The engine's name: "webrtc", "silero", ... */
  readonly name: string;
  /**
   * Classifies a stream of frames (any rate, any length): exactly one decision per input frame,
   * in input order, possibly later than the frame (an engine that runs off the main thread answers
   * asynchronously). Completes after the decision for the last frame.
   */
  classify(frames: Observable<AudioFrame>): Observable<VadDecision>;
  /** Releases the engine (workers, WASM memory); streams still classifying error. */
  close(): Promise<void>;
}
