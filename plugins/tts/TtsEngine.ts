// The contract between Parley and a speech synthesiser: text in, a stream of audio frames out,
// the first frame as early as the engine allows. A third party implements it in one file.
import type { AudioFrame } from "../../media/mod.ts";

/** Where a word lies in the text and when it is heard in the audio. */
export interface TtsWordMark {
  /** Character offset of the word in the text given to `synthesize`. */
  offset: number;
  /** Its length in characters. */
  length: number;
  /** When it starts in the synthesised audio, ms from the first sample. */
  audioMs: number;
}

/** How to speak. Engines ignore what they cannot do. */
export interface TtsOptions {
  /** The engine's voice name ("en-us" for espeak-ng, "slt" for flite, ...). */
  voice?: string;
  /** Speaking rate in words per minute (about 175 is normal). */
  rate?: number;
  /** Stops synthesis: the stream ends early, without an error. */
  signal?: AbortSignal;
  /** Receives word marks as synthesis reaches them (engines that know them). */
  onWord?(mark: TtsWordMark): void;
}

/** A speech synthesiser. One instance serves every call of the process. */
export interface TtsEngine {
  /** Short name, used in events and metrics ("espeak-ng"). */
  readonly name: string;
  /**
   * Synthesises `text` as consecutive 20 ms frames at the engine's own rate, timestamps from 0.
   * Breaking out of the loop (or aborting `signal`) stops the synthesis. Errors are thrown from
   * the iteration, as TtsError.
   */
  synthesize(text: string, options?: TtsOptions): AsyncIterable<AudioFrame>;
  /** Releases the engine (workers, subprocesses). */
  close(): Promise<void>;
}

/** Stable reasons synthesis fails, usable as metric labels. */
export type TtsErrorReason = "engine_unavailable" | "engine_crashed" | "engine_closed" | "bad_voice" | "synthesis_failed";

/** A synthesis failure with a stable `reason` code and a message for people. */
export class TtsError extends Error {
  override readonly name = "TtsError";
  constructor(readonly reason: TtsErrorReason, message: string) {
    super(message);
  }
}
