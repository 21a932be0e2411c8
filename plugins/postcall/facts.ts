// The structured facts of a call, read from the caller's events: what it was about (the voice
// bot's `voicebot.intent`), whose account (`voicebot.account`, `route.request`, the session's
// metadata), where it went (`route.request`, `queue.*`, `call.completed`) and how it ended.
import { type CallEvents, number, type ObservedEvent, text } from "./call-events.ts";
import type { AgentPart, CallFacts, Disposition, Transfer } from "./record.ts";
import type { Timeline } from "./timeline.ts";
import { total } from "./intervals.ts";

/** The facts of a call laid out as `timeline`. */
export function callFacts(call: CallEvents, timeline: Timeline): CallFacts {
  const events = call.caller.events;
  const at = (event: ObservedEvent) => Math.max(0, event.ts - timeline.start);
  const intents: string[] = [];
  let account = call.caller.metadata.accountNumber ?? call.caller.metadata.account;
  let routeIntent: string | undefined;
  let handoverReason: string | undefined;
  const queues: string[] = [];
  const agents: AgentPart[] = [];
  const transfers: Transfer[] = [];
  let escalated = false;
  let identity: CallFacts["identity"];
  let syntheticVoice: CallFacts["syntheticVoice"];
  let recordingId: string | undefined;
  // Who had the caller before the next queue: the bot, then each agent that answered.
  let holder = "bot";
  let abandoned = false;
  let callback = false;
  for (const event of events) {
    switch (event.type) {
      case "voicebot.intent": {
        const intent = text(event, "intent");
        if (intent) intents.push(intent);
        break;
      }
      case "voicebot.account":
        account = text(event, "account") ?? account;
        break;
      case "route.request":
        routeIntent = text(event, "intent");
        handoverReason ??= text(event, "reason");
        account = text(event, "account") ?? account;
        break;
      case "queue.entered": {
        const queueId = text(event, "queueId") ?? "";
        if (!queues.includes(queueId)) queues.push(queueId);
        const kind = holder === "bot" ? "handover" : "transfer";
        if (holder !== "queue") transfers.push({ atMs: at(event), kind, from: holder, to: queueId, ...(kind === "handover" && handoverReason ? { reason: handoverReason } : {}) });
        holder = "queue";
        break;
      }
      case "queue.overflowed": {
        const to = text(event, "to");
        if (to !== undefined) {
          if (!queues.includes(to)) queues.push(to);
          transfers.push({ atMs: at(event), kind: "overflow", from: text(event, "queueId") ?? "", to });
        }
        break;
      }
      case "queue.answered": {
        const agentId = text(event, "agentId") ?? "";
        agents.push({ agentId, queueId: text(event, "queueId") ?? "", answeredMs: at(event), waitMs: number(event, "waitMs") ?? 0 });
        holder = agentId;
        break;
      }
      case "call.completed": {
        const part = agents.findLast((a) => a.agentId === text(event, "agentId"));
        if (part) Object.assign(part, { talkMs: number(event, "talkMs") ?? 0, holdMs: number(event, "holdMs") ?? 0 });
        break;
      }
      case "queue.abandoned":
        abandoned = true;
        break;
      case "queue.callback_requested":
        callback = true;
        break;
      case "emotion.escalation":
        escalated = true;
        break;
      case "biometrics":
        if (event.status === "ok" || event.status === "not_enrolled") {
          identity = { claimedSpeaker: text(event, "claimedSpeaker") ?? "", verdict: text(event, "verdict") ?? "", score: number(event, "score") ?? 0 };
        }
        break;
      case "deepfake":
        // The call-level (rolling) verdict: a single utterance is never more than "uncertain".
        if (event.status === "ok" && event.scope !== "utterance") syntheticVoice = { verdict: text(event, "verdict") ?? "", score: number(event, "score") ?? 0, reliable: event.reliable === true };
        break;
      case "recording.started":
        recordingId = text(event, "recordingId");
        break;
    }
  }
  for (const part of agents) {
    const window = timeline.bridges.find((w) => w.agentId === part.agentId && w.start >= part.answeredMs - 1000);
    if (window) part.legId = window.legId;
  }
  const interacted = timeline.turns.some((t) => t.speaker === "caller") || intents.length > 0 || events.some((e) => e.type === "dtmf");
  const handover = handoverReason !== undefined || queues.length > 0;
  const disposition: Disposition = callback ? "callback_requested"
    : abandoned ? "abandoned"
    : agents.length > 0 ? "handled_by_agent"
    : handover ? "handover_unanswered"
    : interacted ? "self_service"
    : "no_interaction";
  return {
    intent: intents.findLast((intent) => intent !== routeIntent),
    intents,
    ...(account ? { account } : {}),
    disposition,
    ...(handoverReason ? { handoverReason } : {}),
    queues,
    queueMs: total(timeline.queueing),
    agents,
    transfers,
    escalated,
    ...(identity ? { identity } : {}),
    ...(syntheticVoice ? { syntheticVoice } : {}),
    ...(recordingId ? { recordingId } : {}),
  };
}
