// Voice activity and turn-taking: two detector engines behind one interface, an endpointer that
// decides when the caller's turn ends, RxJS operators, and the `vad` plugin that emits
// `vad.speech_start`, `vad.speech_end` and `turn.end` on every session.
export type { VadDecision, VoiceActivityDetector } from "./VoiceActivityDetector.ts";
export { createWebRtcVad, type WebRtcVadOptions } from "./webrtc-vad.ts";
export { createSileroVad, defaultSileroModelPath, type SileroVadOptions } from "./silero-vad.ts";
export { type EndpointEvent, Endpointer, type EndpointerOptions, type SpeechEndEvent, type SpeechStartEvent, type TurnEndEvent } from "./Endpointer.ts";
export { endpoint } from "./endpoint.ts";
export { gateBySpeech, type GateOptions } from "./gate-by-speech.ts";
export { createVadPlugin, vad, VadPluginOptions } from "./plugin.ts";
