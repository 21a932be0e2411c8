// The KPI plugin's event: the caller's answer to a post-call survey, which a bot (or any plugin)
// emits on the caller's session; declared once as a TypeBox schema whose type merges into EventMap.
import { defineEvents, type EventTypes, Type } from "../../core/mod.ts";

/** The KPI plugin's events. */
export const KPI_EVENTS = defineEvents({
  /** The caller rated the call, 1 (very unhappy) to 5 (very happy), on the keypad or by voice. */
  "survey.answered": Type.Object({ score: Type.Integer({ minimum: 1, maximum: 5 }), via: Type.Optional(Type.String()) }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof KPI_EVENTS> {}
}
