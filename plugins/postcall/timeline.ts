// The call laid out in time: who said what when (the transcript), when each party was speaking,
// and which stretches were not conversation (queue waiting, hold). Times are ms since the call
// started. The caller's words come from its `transcript` events, the bot's from the tts plugin's
// `tts.started`/`tts.finished` (with `playback.started` for when it reached the wire), an agent's
// from the `transcript` events of its bridged leg while bridged.
import { type CallEvents, type LegEvents, number, type ObservedEvent, text } from "./call-events.ts";
import { type Interval, union } from "./intervals.ts";
import type { PostCallRecord, Speaker, TranscriptTurn } from "./record.ts";

/** A bridge of the caller with another leg. */
export interface BridgeWindow extends Interval {
  legId: string;
  agentId?: string;
}

/** The call in time. */
export interface Timeline {
  start: number;
  end: number;
  endReason: string;
  turns: TranscriptTurn[];
  speech: Record<Speaker, Interval[]>;
  /** Where the speech intervals came from for each party: vad segments, or the transcript's times. */
  speechFrom: Record<Speaker, "vad" | "transcript" | "tts">;
  bridges: BridgeWindow[];
  queueing: Interval[];
  hold: Interval[];
  legs: PostCallRecord["legs"];
  gaps: string[];
}

/** Lays a call out in time. */
export function buildTimeline(call: CallEvents): Timeline {
  const start = call.caller.startedAt;
  const events = call.caller.events;
  const ended = events.find((event) => event.type === "session.ended");
  const end = ended ? start + (number(ended, "durationMs") ?? ended.ts - start) : Math.max(start, ...events.map((event) => event.ts));
  const at = (ts: number) => Math.max(0, ts - start);
  const bridges = bridgeWindows(events, at, end - start);
  const turns: TranscriptTurn[] = [...recognised(call.caller, 0, "caller"), ...botTurns(events, call.caller.legId, at, end - start)];
  const speech: Timeline["speech"] = { caller: [], bot: turns.filter((t) => t.speaker === "bot").map((t) => ({ start: t.startMs, end: t.endMs })), agent: [] };
  const callerVad = vadSegments(call.caller, 0);
  speech.caller = callerVad.length > 0 ? callerVad : turns.filter((t) => t.speaker === "caller").map((t) => ({ start: t.startMs, end: t.endMs }));
  const speechFrom: Timeline["speechFrom"] = { caller: callerVad.length > 0 ? "vad" : "transcript", bot: "tts", agent: "transcript" };
  const gaps: string[] = [];
  for (const window of bridges) {
    const peer = call.peers.find((leg) => leg.legId === window.legId);
    const offset = peer ? peer.startedAt - start : 0;
    const inside = (interval: Interval) => interval.end > window.start && interval.start < window.end;
    const said = peer ? recognised(peer, offset, "agent").filter((t) => inside({ start: t.startMs, end: t.endMs })).map((turn) => ({ ...turn, ...(window.agentId ? { agentId: window.agentId } : {}) })) : [];
    const vad = peer ? vadSegments(peer, offset).filter(inside).map((s) => ({ start: Math.max(s.start, window.start), end: Math.min(s.end, window.end) })) : [];
    turns.push(...said);
    if (vad.length > 0) speechFrom.agent = "vad";
    speech.agent.push(...(vad.length > 0 ? vad : said.map((t) => ({ start: t.startMs, end: t.endMs }))));
    if (said.length === 0) {
      gaps.push(`agent leg ${window.legId}${window.agentId ? ` (agent ${window.agentId})` : ""}: no transcript while bridged (${Math.round((window.end - window.start) / 1000)} s); the agent's words need speech recognition on the agent's leg`);
    }
  }
  if (!events.some((event) => event.type === "transcript") && speech.caller.length > 0) gaps.push("caller: speech was detected but nothing recognised it (no transcript events)");
  if (callerVad.length === 0) gaps.push("talk times from transcript times: no vad events on the caller's leg");
  turns.sort((a, b) => a.startMs - b.startMs);
  return {
    start,
    end,
    endReason: (ended && text(ended, "reason")) ?? "unknown",
    turns,
    speech: { caller: union(speech.caller), bot: union(speech.bot), agent: union(speech.agent) },
    speechFrom,
    bridges,
    queueing: queueing(events, at, end - start),
    hold: spans(events, "bridge.held", ["bridge.unheld", "bridge.ended"], at, end - start),
    legs: [
      { legId: call.caller.legId, role: "caller", joinedMs: 0, leftMs: end - start },
      ...bridges.map((w) => ({ legId: w.legId, role: "agent" as const, ...(w.agentId ? { agentId: w.agentId } : {}), joinedMs: w.start, leftMs: w.end })),
    ],
    gaps,
  };
}

/** Recognised turns of a leg, its media times moved by `offset` onto the call's clock. */
function recognised(leg: LegEvents, offset: number, speaker: Speaker): TranscriptTurn[] {
  const turns: TranscriptTurn[] = [];
  for (const event of leg.events) {
    if (event.type !== "transcript") continue;
    const said = text(event, "text")?.trim();
    const startMs = number(event, "startMs");
    const endMs = number(event, "endMs");
    if (!said || startMs === undefined || endMs === undefined) continue;
    turns.push({ speaker, legId: leg.legId, startMs: startMs + offset, endMs: endMs + offset, text: said, ...(number(event, "confidence") !== undefined ? { confidence: number(event, "confidence") } : {}) });
  }
  return turns;
}

/** What the bot said: each spoken text from when it reached the wire for as long as it played. */
function botTurns(events: readonly ObservedEvent[], legId: string, at: (ts: number) => number, endMs: number): TranscriptTurn[] {
  const onWire = new Map<string, number>();
  const finished = new Map<string, ObservedEvent>();
  for (const event of events) {
    const id = text(event, "playbackId");
    if (id === undefined) continue;
    if (event.type === "playback.started") onWire.set(id, at(event.ts));
    else if (event.type === "tts.finished") finished.set(id, event);
  }
  const turns: TranscriptTurn[] = [];
  for (const event of events) {
    if (event.type !== "tts.started") continue;
    const id = text(event, "playbackId") ?? "";
    const startMs = onWire.get(id) ?? at(event.ts);
    const done = finished.get(id);
    const cancelled = done?.cancelled === true;
    const said = (cancelled ? text(done!, "spokenText") : undefined) ?? text(event, "text") ?? "";
    const played = done ? number(done, "playedMs") : undefined;
    if (!said.trim() || played === 0) continue;
    turns.push({ speaker: "bot", legId, startMs, endMs: played === undefined ? endMs : Math.min(endMs, startMs + played), text: said.trim(), ...(cancelled ? { interrupted: true } : {}) });
  }
  return turns;
}

/** Speech segments of a leg from its `vad.speech_end` events, moved by `offset`. */
function vadSegments(leg: LegEvents, offset: number): Interval[] {
  const out: Interval[] = [];
  for (const event of leg.events) {
    if (event.type !== "vad.speech_end") continue;
    const start = number(event, "startMs");
    const end = number(event, "endMs");
    if (start !== undefined && end !== undefined) out.push({ start: start + offset, end: end + offset });
  }
  return out;
}

/** The caller's bridges, each with the agent `queue.answered` named just before it. */
function bridgeWindows(events: readonly ObservedEvent[], at: (ts: number) => number, endMs: number): BridgeWindow[] {
  const windows: BridgeWindow[] = [];
  const open = new Map<string, BridgeWindow>();
  let answeredBy: string | undefined;
  for (const event of events) {
    if (event.type === "queue.answered") answeredBy = text(event, "agentId");
    if (event.type === "bridge.started") {
      const window: BridgeWindow = { legId: text(event, "peer") ?? "", start: at(event.ts), end: endMs, ...(answeredBy ? { agentId: answeredBy } : {}) };
      answeredBy = undefined;
      open.set(text(event, "bridgeId") ?? "", window);
      windows.push(window);
    } else if (event.type === "bridge.ended") {
      const window = open.get(text(event, "bridgeId") ?? "");
      if (window) window.end = at(event.ts);
    }
  }
  return windows;
}

/** Stretches from an event of type `from` to the next of the `to` types (or the end). */
function spans(events: readonly ObservedEvent[], from: string, to: readonly string[], at: (ts: number) => number, endMs: number, ends?: (event: ObservedEvent) => boolean): Interval[] {
  const out: Interval[] = [];
  let since: number | undefined;
  for (const event of events) {
    if (event.type === from) since ??= at(event.ts);
    else if (since !== undefined && to.includes(event.type) && (ends?.(event) ?? true)) {
      out.push({ start: since, end: at(event.ts) });
      since = undefined;
    }
  }
  if (since !== undefined) out.push({ start: since, end: endMs });
  return out;
}

/** Time waiting in queues: from entering one until answered, abandoned, a callback, or overflowing out. */
function queueing(events: readonly ObservedEvent[], at: (ts: number) => number, endMs: number): Interval[] {
  const leaves = ["queue.answered", "queue.abandoned", "queue.callback_requested", "queue.overflowed"];
  // An overflow to another queue keeps the caller waiting; one with a message ends the wait.
  return spans(events, "queue.entered", leaves, at, endMs, (event) => event.type !== "queue.overflowed" || text(event, "to") === undefined);
}
