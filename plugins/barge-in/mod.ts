// Barge-in: the caller's speech stops the bot's playback at once; a guard tells coughs and
// backchannels ("uh-huh") from real interruptions, and a `barge-in` event says what was cut off.
export { backchannelWords, hasContent, isBackchannel, transcriptWords } from "./backchannel.ts";
export { type BargeInGuardOptions, guardPlayback } from "./guard.ts";
export { bargeIn, BargeInPluginOptions, DEFAULT_BACKCHANNELS } from "./plugin.ts";
export type { BargeInIgnoredReason } from "./events.ts";
