// A support-line voice bot: the `voicebot` plugin (plugin.ts), its conversation as a pure state
// machine (dialog.ts), the intents it understands (intents.ts) and which turns were only a
// backchannel (turns.ts).
export { voicebot, VoicebotOptions } from "./plugin.ts";
export { type DialogAction, type DialogConfig, type DialogInput, type DialogState, type InputVia, type ListenFor, menuPrompt, nextStep, type RouteReason, startDialog, type Transition } from "./dialog.ts";
export { accountGrammar, checkIntents, confirmGrammar, DEFAULT_INTENTS, type Intent, intentForKey, intentGrammar, isNo, isYes, matchIntent, spokenDigits } from "./intents.ts";
export { type TurnVerdicts, turnVerdicts } from "./turns.ts";
