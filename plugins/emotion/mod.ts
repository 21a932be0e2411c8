// Caller emotion: the `emotion` plugin, its model and its events (`emotion`, `emotion.escalation`).
export { emotion, type EmotionInput, emotionEvents, EmotionOptions } from "./plugin.ts";
export { describe as describeEmotion, EMOTION_CLASSES, type EmotionClass, type EmotionEstimate, EmotionModel, type EmotionWeights, loadEmotionWeights } from "./model.ts";
export { EMOTION_FEATURE_NAMES, emotionFeatures } from "./features.ts";
export { type Escalation, type EscalationRule, EscalationTracker } from "./escalation.ts";
export { textSentiment } from "./sentiment.ts";
export type { EmotionScores } from "./events.ts";
