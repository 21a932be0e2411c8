// Speech synthesis: the engine contract (a third party implements it in one file), espeak-ng
// (WASM, the default), flite and festival (subprocesses), `say(session, text)`, and the `tts`
// plugin that binds an engine to every session and speaks `tts.say` events.
export { type TtsEngine, TtsError, type TtsErrorReason, type TtsOptions, type TtsWordMark } from "./TtsEngine.ts";
export { createEspeakEngine, type EspeakOptions } from "./espeak-engine.ts";
export { createFestivalEngine, createFliteEngine, type SubprocessEngineOptions } from "./subprocess-engine.ts";
export { FrameChunker } from "./FrameChunker.ts";
export { splitSentences, type TextPiece } from "./sentences.ts";
export { say, type SayOptions } from "./say.ts";
export { createTtsPlugin, tts, TtsPluginOptions } from "./plugin.ts";
