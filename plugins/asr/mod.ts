// Streaming speech recognition: the engine contract (a third party implements it in one file),
// the pocketsphinx engine (worker threads, koffi), JSGF grammars for IVR prompts, word error
// rate, and the `asr` plugin that turns each caller turn into a `transcript` event.
export { type AsrEngine, AsrError, type AsrErrorReason, type AsrResult, type AsrSearch, type AsrStream, type AsrStreamOptions, type AsrWord } from "./AsrEngine.ts";
export { createPocketsphinxEngine, DEFAULT_MODEL_DIR, missingPocketsphinx, type PocketsphinxControl, type PocketsphinxOptions, type PocketsphinxStats } from "./pocketsphinx-engine.ts";
export { digitsFromText, digitsGrammar, type DigitsGrammarOptions, grammarWords, matchPhrase, phraseGrammar, type PhraseGrammarOptions } from "./grammars.ts";
export { normalizeTranscript, type WordErrors, wordErrorRate, wordErrors } from "./wer.ts";
export { type TranscribeMetrics, type TranscribeOptions, transcribeTurns } from "./transcribe-turns.ts";
export type { UtteranceEnd } from "./events.ts";
export { asr, AsrPluginOptions, createAsrPlugin, listenFor } from "./plugin.ts";
