// The voice bot's events, declared once: TypeBox schemas (registered for the serializers) whose
// types merge into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";
import type { InputVia, RouteReason } from "./dialog.ts";

const VIA = ["speech", "dtmf"] as const satisfies readonly InputVia[];
const ROUTE_REASONS = ["caller_request", "no_input", "no_match"] as const satisfies readonly RouteReason[];

/** The voice bot's events. */
export const VOICEBOT_EVENTS = defineEvents({
  /** The bot understood what the caller wants, by speech (`text`: the transcript) or keypad (`text`: the key). */
  "voicebot.intent": Type.Object({ intent: Type.String(), via: StringEnum(VIA), text: Type.String() }),
  /**
   * The bot starts collecting a number the recording must not keep (`kind`: "account"; other bots
   * may say "card"): it asks for it, the caller keys or says it, the bot reads it back.
   */
  "voicebot.collect.started": Type.Object({ kind: Type.String() }),
  /** The collection of `kind` is over, the answer that reads the number back included. */
  "voicebot.collect.ended": Type.Object({ kind: Type.String() }),
  /** The caller gave an account number. */
  "voicebot.account": Type.Object({ account: Type.String(), via: StringEnum(VIA) }),
  /**
   * The call should go to a person: asked for (`caller_request`), or the bot gave up after
   * repeated silence (`no_input`) or answers it did not understand (`no_match`). `transcript`:
   * what the caller said, utterance by utterance, so nobody asks again.
   */
  "route.request": Type.Object({
    intent: Type.String(),
    reason: StringEnum(ROUTE_REASONS),
    account: Type.Optional(Type.String()),
    transcript: Type.Array(Type.String()),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof VOICEBOT_EVENTS> {}
}
