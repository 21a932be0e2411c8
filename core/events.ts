import fastJson from "fast-json-stringify";

/**
 * Payloads of every event type, keyed by `type`. Plugins add their own types by declaration
 * merging (`declare module "parley" { interface EventMap { emotion: {...} } }`) and register a
 * JSON Schema for them with `registerEventSchema`.
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
registerEventSchema("media.ssrc_changed", { properties: { ssrc: num }, required: ["ssrc"] });
