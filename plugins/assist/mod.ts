// Agent assist: knowledge-base suggestions, disclosure reminders and emotion alerts, live on a bridged call.
export { assist, AssistOptions } from "./plugin.ts";
export { type AssistSettings, assistCall } from "./call-assistant.ts";
export { type Article, KnowledgeBase, loadKnowledgeBase, parseArticle, type Suggestion, type WeightedText } from "./knowledge-base.ts";
export { type Disclosed, type DisclosureRule, DisclosureTracker } from "./disclosures.ts";
export { type AlertRules, type EmotionAlert, type EmotionReading, EmotionWatch } from "./emotion-watch.ts";
export { ASSIST_EVENTS } from "./events.ts";
