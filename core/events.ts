import type { Static, TObject } from "@sinclair/typebox";
import fastJson from "fast-json-stringify";

/**
 * Payloads of every event type, keyed by `type`. Plugins add their own types by declaration
 * merging into the package's entry point, declaring each type once with TypeBox:
 * `const events = defineEvents({ emotion: Type.Object({...}) })` registers the schemas, and
 * `declare module "parley" { interface EventMap extends EventTypes<typeof events> {} }` adds the
 * types (see plugins/README.md).
 */
export interface EventMap {
  "session.started": { transport: string; codec: string; remote?: string };
  "session.ended": { reason: string; durationMs: number };
  "dtmf": { digit: string; durationMs: number };
  /** The first audio of a playback is being sent to the caller (where voice-to-voice latency ends). */
  "playback.started": { playbackId: string };
  "playback.finished": { playbackId: string; cancelled: boolean; playedMs: number };
  "plugin.error": { plugin: string; message: string };
  "media.ssrc_changed": { ssrc: number };
  /** A WebSocket peer reports it has played everything up to a mark Parley sent (the playback id). */
  "playback.mark": { name: string };
  /** This leg and `peer` hear each other (core/Bridge.ts); emitted on both legs. */
  "bridge.started": { bridgeId: string; peer: string };
  /** Leg `held` of the bridge hears hold audio and the legs hear nothing of each other; on both legs. */
  "bridge.held": { bridgeId: string; held: string };
  /** Leg `held` is off hold; on both legs. */
  "bridge.unheld": { bridgeId: string; held: string };
  /** The bridge ended (`unbridged`, or `leg_ended`: a leg hung up); on both legs, with the time held. */
  "bridge.ended": { bridgeId: string; peer: string; reason: string; durationMs: number; heldMs: number };
  /** Leg `leg` joined conference `conferenceId` (core/Conference.ts); on every leg in it. */
  "conference.joined": { conferenceId: string; leg: string };
  /** Leg `leg` left (`removed`, `leg_ended`, or the conference `ended`); on it and every leg still in. */
  "conference.left": { conferenceId: string; leg: string; reason: string };
  /** `listener` now hears `speaker`, or no longer does (listen, whisper, barge); on both legs. */
  "conference.hearing": { conferenceId: string; listener: string; speaker: string; hears: boolean };
  /** Leg `held` hears hold audio and nobody hears it; on every leg. */
  "conference.held": { conferenceId: string; held: string };
  /** Leg `held` is off hold; on every leg. */
  "conference.unheld": { conferenceId: string; held: string };
}

/** Every event carries where and when it happened and who said it. */
export interface EventEnvelope {
  /** The session the event belongs to. */
  sessionId: string;
  /** Wall-clock time in ms since the epoch. */
  ts: number;
  /** Who emitted it: "core", a transport name or a plugin name. */
  source: string;
}

/** The discriminated union of all events, built from EventMap. */
export type SessionEvent = {
  [K in keyof EventMap]: { type: K } & EventEnvelope & EventMap[K];
}[keyof EventMap];

/** What a plugin or transport passes to `emit`: the envelope is filled in for it when missing. */
export type EventInput = {
  [K in keyof EventMap]: { type: K } & Partial<EventEnvelope> & EventMap[K];
}[keyof EventMap];

/** A JSON Schema for an event's own fields (the envelope is added automatically). */
export type EventSchema = { properties: Record<string, unknown>; required?: string[] };

const ENVELOPE = {
  type: { type: "string" },
  sessionId: { type: "string" },
  ts: { type: "number" },
  source: { type: "string" },
};

const schemas = new Map<string, object>();
const serializers = new Map<string, (event: unknown) => string>();

/** Registers the schema of an event type; its serializer is compiled once, here. */
export function registerEventSchema(type: string, schema: EventSchema): void {
  const full = {
    type: "object" as const,
    properties: { ...ENVELOPE, ...schema.properties },
    required: ["type", "sessionId", "ts", "source", ...(schema.required ?? [])],
  };
  schemas.set(type, full);
  serializers.set(type, fastJson(full) as (event: unknown) => string);
}

/** The payload types of events declared with `defineEvents`, for `interface EventMap extends EventTypes<typeof events> {}`. */
export type EventTypes<T extends Record<string, TObject>> = { [K in keyof T]: Static<T[K]> };

/** Declares event types once, as TypeBox objects: registers each one's schema (see `registerEventSchema`) and returns them for `EventTypes`. */
export function defineEvents<T extends Record<string, TObject>>(events: T): T {
  for (const [type, schema] of Object.entries(events)) registerEventSchema(type, schema as EventSchema);
  return events;
}

/** The full JSON Schema of an event type, when one is registered. */
export function eventSchema(type: string): object | undefined {
  return schemas.get(type);
}

/** Serializes an event to JSON with its compiled serializer (JSON.stringify for unknown types). */
export function serializeEvent(event: { type: string }): string {
  const serialize = serializers.get(event.type);
  return serialize ? serialize(event) : JSON.stringify(event);
}

const str = { type: "string" };
const num = { type: "number" };
registerEventSchema("session.started", { properties: { transport: str, codec: str, remote: str }, required: ["transport", "codec"] });
registerEventSchema("session.ended", { properties: { reason: str, durationMs: num }, required: ["reason", "durationMs"] });
registerEventSchema("dtmf", { properties: { digit: str, durationMs: num }, required: ["digit", "durationMs"] });
registerEventSchema("playback.started", { properties: { playbackId: str }, required: ["playbackId"] });
registerEventSchema("playback.finished", {
  properties: { playbackId: str, cancelled: { type: "boolean" }, playedMs: num },
  required: ["playbackId", "cancelled", "playedMs"],
});
registerEventSchema("plugin.error", { properties: { plugin: str, message: str }, required: ["plugin", "message"] });
registerEventSchema("playback.mark", { properties: { name: str }, required: ["name"] });
registerEventSchema("bridge.started", { properties: { bridgeId: str, peer: str }, required: ["bridgeId", "peer"] });
registerEventSchema("bridge.held", { properties: { bridgeId: str, held: str }, required: ["bridgeId", "held"] });
registerEventSchema("bridge.unheld", { properties: { bridgeId: str, held: str }, required: ["bridgeId", "held"] });
registerEventSchema("bridge.ended", {
  properties: { bridgeId: str, peer: str, reason: str, durationMs: { type: "number" }, heldMs: { type: "number" } },
  required: ["bridgeId", "peer", "reason", "durationMs", "heldMs"],
});
registerEventSchema("conference.joined", { properties: { conferenceId: str, leg: str }, required: ["conferenceId", "leg"] });
registerEventSchema("conference.left", { properties: { conferenceId: str, leg: str, reason: str }, required: ["conferenceId", "leg", "reason"] });
registerEventSchema("conference.hearing", {
  properties: { conferenceId: str, listener: str, speaker: str, hears: { type: "boolean" } },
  required: ["conferenceId", "listener", "speaker", "hears"],
});
registerEventSchema("conference.held", { properties: { conferenceId: str, held: str }, required: ["conferenceId", "held"] });
registerEventSchema("conference.unheld", { properties: { conferenceId: str, held: str }, required: ["conferenceId", "held"] });
registerEventSchema("media.ssrc_changed", { properties: { ssrc: num }, required: ["ssrc"] });
