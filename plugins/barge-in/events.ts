// The barge-in plugin's events, declared once: TypeBox schemas (registered for the serializers)
// whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";

const IGNORED_REASONS = ["short", "backchannel"] as const;

/** Why speech over a playback did not cut it off. */
export type BargeInIgnoredReason = (typeof IGNORED_REASONS)[number];

/** The barge-in plugin's events. */
export const BARGE_IN_EVENTS = defineEvents({
  /** The caller talked over a playback and it was cut off. */
  "barge-in": Type.Object({
    playbackId: Type.String(),
    /** The playback's label, or the text the tts plugin was speaking. */
    label: Type.Optional(Type.String()),
    /** Audio of it the caller had heard, ms. */
    playedMs: Type.Number(),
    /** What the caller heard of a spoken text (when the tts plugin marks words). */
    spokenText: Type.Optional(Type.String()),
    /** Wall-clock ms from the onset of the caller's speech to the playback's audio stopping. */
    reactionMs: Type.Number(),
    /** Media time of the onset of the caller's speech, ms. */
    speechStartMs: Type.Number(),
    /** Wall-clock ms the playback was held (silent) before the guard decided it was a real barge-in. */
    heldMs: Type.Number(),
    /** What the recogniser had heard of the caller's speech by then, if anything. */
    callerText: Type.Optional(Type.String()),
  }),
  /** Speech over a playback that the guard let pass (a cough, an "uh-huh"); the playback went on where it was held. */
  "barge-in.ignored": Type.Object({
    playbackId: Type.String(),
    reason: StringEnum(IGNORED_REASONS),
    heldMs: Type.Number(),
    callerText: Type.Optional(Type.String()),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof BARGE_IN_EVENTS> {}
}
