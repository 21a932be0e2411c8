// A support-line voice bot: the `voicebot` plugin (plugin.ts), its conversation as a pure state
// machine (dialog.ts) and the intents it understands (intents.ts).
export { voicebot, type VoicebotOptions } from "./plugin.ts";
export { type DialogAction, type DialogConfig, type DialogInput, type DialogState, type InputVia, menuPrompt, nextStep, type RouteReason, startDialog, type Transition } from "./dialog.ts";
export { accountGrammar, checkIntents, DEFAULT_INTENTS, type Intent, intentForKey, intentGrammar, matchIntent, spokenDigits } from "./intents.ts";
