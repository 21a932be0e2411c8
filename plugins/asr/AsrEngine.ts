// The contract between Parley and a speech recogniser. An engine is one file: implement
// `AsrEngine` (open a stream per utterance) and `AsrStream` (write audio, finish, cancel), then
// pass `plugins/asr/conformance.ts`.

import type { AsrSearch, AsrWord } from "./search.ts";

/** One recognised word (times are ms from the first sample written to the stream), and what to listen for: declared with their schemas in search.ts. */
export type { AsrSearch, AsrWord };

/** A hypothesis about an utterance: partial while audio still comes, final after `finish()`. */
export interface AsrResult {
  /** Words separated by single spaces, lower case, no punctuation; "" when nothing was recognised. */
  text: string;
  /** The words with their times (final results; partial results may leave it empty). */
  words: AsrWord[];
  /** 0 to 1 for the whole utterance (partial results may report 0: not yet known). */
  confidence: number;
  final: boolean;
}

/** How one utterance is recognised. */
export interface AsrStreamOptions {
  search: AsrSearch;
  /**
   * The audio channel (the call) this utterance comes from. Engines that adapt to the channel
   * (pocketsphinx's cepstral mean) carry what they learnt from one utterance to the next of the
   * same channel, and never from one call to another.
   */
  channel?: string;
  /** Receives partial results as the hypothesis changes (engines that cannot simply never call it). */
  onPartial?(result: AsrResult): void;
  /** Receives a failure that happens before `finish()` is called (the engine crashed, say); `finish()` then rejects with it too. */
  onError?(error: AsrError): void;
}

/** One utterance being recognised. */
export interface AsrStream {
  /** Adds audio: mono 16-bit PCM at the engine's `sampleRate`. Never blocks; the engine queues what it cannot take yet. */
  write(samples: Int16Array): void;
  /** No more audio: resolves with the final result, or rejects with an AsrError. */
  finish(): Promise<AsrResult>;
  /** Abandons the utterance without a result and frees what it holds. */
  cancel(): void;
}

/** A speech recogniser. One instance serves every call of the process. */
export interface AsrEngine {
  /** Short name, used in events and metrics ("pocketsphinx"). */
  readonly name: string;
  /** The rate `write` expects, in Hz. */
  readonly sampleRate: number;
  /** Starts recognising one utterance; rejects with an AsrError when the search is invalid (a grammar that does not parse, an unknown word). */
  open(options: AsrStreamOptions): Promise<AsrStream>;
  /** Releases the engine; streams still open fail with reason "engine_closed". */
  close(): Promise<void>;
  /** The call `channel` is over: forget what was learnt of it (engines that adapt per channel implement it). */
  endChannel?(channel: string): void;
}

/** Stable reasons an engine fails, usable as metric labels. */
export type AsrErrorReason =
  | "engine_unavailable"
  /** Every recognition slot is taken: the utterance was refused so that those in progress keep up. */
  | "engine_busy"
  | "engine_crashed"
  | "engine_closed"
  | "bad_search"
  | "unknown_word"
  | "decoder_failed"
  | "stream_closed";

/** A recognition failure with a stable `reason` code and a message for people. */
export class AsrError extends Error {
  override readonly name = "AsrError";
  constructor(readonly reason: AsrErrorReason, message: string) {
    super(message);
  }
}
