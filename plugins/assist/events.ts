// The assist plugin's events, all on the caller's session while an agent is bridged to it, so any
// desktop (the routing plugin's, or a third party's reading the event stream) can show them;
// declared once as TypeBox schemas whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";

const SuggestionSchema = Type.Object({
  /** The article's id: `GET /v1/assist/articles/{id}` serves its text. */
  id: Type.String(),
  title: Type.String(),
  score: Type.Number(),
  snippet: Type.String(),
});

/** The assist plugin's events. */
export const ASSIST_EVENTS = defineEvents({
  /** The best knowledge-base articles for the caller's latest turns (`query`: those turns, oldest first), best first. */
  "assist.suggestions": Type.Object({
    agentId: Type.Optional(Type.String()),
    query: Type.String(),
    articles: Type.Array(SuggestionSchema),
  }),
  /** The agent has not said a required disclosure within `withinSeconds` of joining the call. */
  "assist.reminder": Type.Object({
    agentId: Type.Optional(Type.String()),
    disclosureId: Type.String(),
    /** What to say (the disclosure's first phrase). */
    phrase: Type.String(),
    withinSeconds: Type.Number(),
  }),
  /** The agent said a required disclosure, `afterMs` after joining; `late` when past its deadline. */
  "assist.disclosed": Type.Object({
    agentId: Type.Optional(Type.String()),
    disclosureId: Type.String(),
    afterMs: Type.Number(),
    late: Type.Boolean(),
    /** The agent's turn that completed it, as the recogniser heard it. */
    heard: Type.String(),
  }),
  /** The caller's emotion turned negative (`negative_emotion`), or the emotion plugin escalated (`escalation`). */
  "assist.alert": Type.Object({
    agentId: Type.Optional(Type.String()),
    reason: StringEnum(["negative_emotion", "escalation"]),
    label: Type.String(),
    score: Type.Number(),
    valence: Type.Optional(Type.Number()),
    /** The caller's latest words, when there are any. */
    text: Type.Optional(Type.String()),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof ASSIST_EVENTS> {}
}
