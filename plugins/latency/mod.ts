// Conversation latency: voice-to-voice time per turn (the `latency` plugin), next to the ASR,
// TTS and barge-in figures their own plugins record.
export { latency } from "./plugin.ts";
export { voiceToVoice } from "./voice-to-voice.ts";
