// What the post-call record is built from: the caller's session events and the events of the legs
// bridged to it, as this plugin saw them. Plugins cooperate through events, never imports: the
// fields read here are the events' documented payloads (core/events.ts, plugins/*/events.ts,
// examples/voicebot/events.ts), read by name.

/** A session event as this plugin reads it: type, time and payload fields by name. */
export interface ObservedEvent {
  type: string;
  /** ms since the epoch. */
  ts: number;
  [field: string]: unknown;
}

/** One leg's events. */
export interface LegEvents {
  legId: string;
  /** When the leg started, ms since the epoch (media times on it count from here). */
  startedAt: number;
  events: ObservedEvent[];
}

/** A caller's call as the plugin saw it. */
export interface CallEvents {
  caller: LegEvents & { transport: string; codec: string; remote?: string; metadata: Record<string, string> };
  /** The legs bridged to the caller (agents), with at least their events while bridged. */
  peers: LegEvents[];
}

/** A string field of an event, if it is one. */
export function text(event: ObservedEvent, field: string): string | undefined {
  const value = event[field];
  return typeof value === "string" ? value : undefined;
}

/** A finite number field of an event, if it is one. */
export function number(event: ObservedEvent, field: string): number | undefined {
  const value = event[field];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
