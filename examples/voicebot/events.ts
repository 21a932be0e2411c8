// The voice bot's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";
import type { InputVia, RouteReason } from "./dialog.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /** The bot understood what the caller wants, by speech (`text`: the transcript) or keypad (`text`: the key). */
    "voicebot.intent": { intent: string; via: InputVia; text: string };
    /** The caller gave an account number. */
    "voicebot.account": { account: string; via: InputVia };
    /**
     * The call should go to a person: asked for (`caller_request`), or the bot gave up after
     * repeated silence (`no_input`) or answers it did not understand (`no_match`). `transcript`:
     * what the caller said, utterance by utterance, so nobody asks again.
     */
    "route.request": { intent: string; reason: RouteReason; account?: string; transcript: string[] };
  }
}

const str = { type: "string" };
const via = { type: "string", enum: ["speech", "dtmf"] };
registerEventSchema("voicebot.intent", { properties: { intent: str, via, text: str }, required: ["intent", "via", "text"] });
registerEventSchema("voicebot.account", { properties: { account: str, via }, required: ["account", "via"] });
registerEventSchema("route.request", {
  properties: { intent: str, reason: { type: "string", enum: ["caller_request", "no_input", "no_match"] }, account: str, transcript: { type: "array", items: str } },
  required: ["intent", "reason", "transcript"],
});
