// The KPI ledger: what each call did, from its session events, and the call-center KPIs of the
// calls that ended in a period. Pure bookkeeping: no sessions, timers or I/O (plugin.ts feeds it).
import type { CallerHistory } from "./caller-history.ts";

/** The session events the ledger reads, with the fields it uses (emitted by the voice bot, the routing plugin and a survey). */
export type ObservedEvent =
  | { type: "route.request" }
  | { type: "queue.entered"; queueId: string }
  | { type: "queue.answered"; queueId: string; waitMs: number }
  | { type: "queue.abandoned"; queueId: string; waitMs: number }
  | { type: "queue.callback_requested" }
  | { type: "call.handled"; callId: string; queueId: string; agentId: string; talkMs: number; holdMs: number; wrapUpMs: number }
  | { type: "survey.answered"; score: number };

/** Event types the ledger reads. */
export const OBSERVED_TYPES: ReadonlySet<string> = new Set<ObservedEvent["type"]>([
  "route.request", "queue.entered", "queue.answered", "queue.abandoned", "queue.callback_requested", "call.handled", "survey.answered",
]);

/**
 * How a call ended: with the bot and nobody asked for (contained), answered by an agent
 * (transferred), the caller hung up waiting (abandoned), a callback instead of waiting, or a person
 * asked for and not reached otherwise (unanswered: hung up before the queue, or overflowed out).
 */
export type Outcome = "contained" | "transferred" | "abandoned" | "callback" | "unanswered";

/** Every outcome, in report order. */
export const OUTCOMES: readonly Outcome[] = ["contained", "transferred", "abandoned", "callback", "unanswered"];

/** One call (a caller's session) as the ledger keeps it. */
export interface CallRecord {
  id: string;
  startedAt: number;
  endedAt?: number;
  /** Whether the caller called within the repeat window before; undefined when the caller is unknown. */
  repeat?: boolean;
  personRequested: boolean;
  queueEntries: number;
  abandonments: number;
  /** Waits of the times an agent answered, ms. */
  answerWaitsMs: number[];
  callback: boolean;
  /** The caller's survey score, 1 to 5. */
  score?: number;
}

/** One agent's part of a call, wrap-up included. */
export interface HandledPart {
  callId: string;
  agentId: string;
  queueId: string;
  /** From the answer to the end of the agent's part, hold included, ms. */
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  /** When the wrap-up ended, ms since the epoch. */
  at: number;
}

/** The KPIs of the calls that ended in a period. */
export interface KpiReport {
  since: string;
  until: string;
  /** Calls (callers' sessions) that ended in the period. */
  calls: number;
  outcomes: Record<Outcome, number>;
  /** Calls that ended with the bot, nobody asked for, over calls. */
  containmentRate: number | null;
  /** Calls an agent answered over calls. */
  transferRate: number | null;
  /** Queue entries the caller abandoned over queue entries. */
  abandonmentRate: number | null;
  /** Answers within `thresholdSeconds` of waiting over answers. */
  serviceLevel: { thresholdSeconds: number; answered: number; inTime: number; ratio: number | null };
  /** Mean wait of the answered, s. */
  averageSpeedOfAnswerSeconds: number | null;
  /** Mean of talk + hold + wrap-up over agents' parts whose wrap-up ended in the period, s; `parts` and the means of each. */
  averageHandleTimeSeconds: number | null;
  handle: { parts: number; talkSeconds: number | null; holdSeconds: number | null; wrapUpSeconds: number | null };
  /** Calls of known callers, those who called within the window before, and their share; first-contact resolution is the share of the others. */
  repeatCallers: { windowDays: number; identifiedCalls: number; repeatCalls: number; ratio: number | null };
  firstContactResolution: number | null;
  /** Survey answers, those of 4 or 5 (satisfied), their share (CSAT) and the mean score. */
  csat: { answers: number; satisfied: number; ratio: number | null; meanScore: number | null };
}

/** What the ledger reports as it happens (the metrics count it). */
export interface LedgerListener {
  callEnded?(call: CallRecord, outcome: Outcome): void;
  handled?(part: HandledPart): void;
}

/** How a ledger judges and keeps calls. */
export interface LedgerOptions {
  /** Answered within this wait counts towards the service level, s. */
  serviceLevelSeconds: number;
  /** How long ended calls are kept for reports, ms. */
  keepMs: number;
  /** Callers' recent calls; none: the repeat-caller KPI stays empty. */
  history?: CallerHistory;
}

const mean = (values: number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/** The outcome of an ended call. */
export function outcomeOf(call: CallRecord): Outcome {
  if (call.answerWaitsMs.length > 0) return "transferred";
  if (call.abandonments > 0) return "abandoned";
  if (call.callback) return "callback";
  return call.personRequested || call.queueEntries > 0 ? "unanswered" : "contained";
}

/** Calls in progress and ended, agents' parts, and the KPIs computed from them. */
export class KpiLedger {
  readonly #open = new Map<string, CallRecord>();
  readonly #ended: CallRecord[] = [];
  readonly #handled: HandledPart[] = [];

  constructor(readonly options: LedgerOptions, readonly listener: LedgerListener = {}) {}

  /** A caller's call began; `caller` (the number) makes it count for the repeat-caller KPI. */
  start(id: string, startedAt: number, caller?: string): CallRecord {
    const repeat = caller && this.options.history ? this.options.history.record(caller, startedAt) : undefined;
    const call: CallRecord = { id, startedAt, repeat, personRequested: false, queueEntries: 0, abandonments: 0, answerWaitsMs: [], callback: false };
    this.#open.set(id, call);
    return call;
  }

  /** An event of session `sessionId` (a caller's, or an agent's leg for `call.handled`), at `now`. */
  observe(sessionId: string, event: ObservedEvent, now: number): void {
    if (event.type === "call.handled") return this.#handledPart(event, now);
    const call = this.#open.get(sessionId);
    if (!call) return;
    switch (event.type) {
      case "route.request":
        call.personRequested = true;
        break;
      case "queue.entered":
        call.queueEntries++;
        break;
      case "queue.answered":
        call.answerWaitsMs.push(event.waitMs);
        break;
      case "queue.abandoned":
        call.abandonments++;
        break;
      case "queue.callback_requested":
        call.callback = true;
        break;
      case "survey.answered":
        call.score = event.score;
        break;
    }
  }

  /** The call ended at `endedAt`: its outcome is final. */
  end(id: string, endedAt: number): Outcome | undefined {
    const call = this.#open.get(id);
    if (!call) return undefined;
    this.#open.delete(id);
    call.endedAt = endedAt;
    this.#ended.push(call);
    this.#prune(endedAt);
    const outcome = outcomeOf(call);
    this.listener.callEnded?.(call, outcome);
    return outcome;
  }

  /** The KPIs of the calls that ended, and the agents' parts whose wrap-up ended, from `since` to `until` (ms since the epoch). */
  report(since: number, until: number): KpiReport {
    const calls = this.#ended.filter((call) => call.endedAt! >= since && call.endedAt! <= until);
    const parts = this.#handled.filter((part) => part.at >= since && part.at <= until);
    const outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
    for (const call of calls) outcomes[outcomeOf(call)]++;
    const waits = calls.flatMap((call) => call.answerWaitsMs);
    const inTime = waits.filter((wait) => wait <= this.options.serviceLevelSeconds * 1000).length;
    const identified = calls.filter((call) => call.repeat !== undefined);
    const repeats = identified.filter((call) => call.repeat).length;
    const scores = calls.flatMap((call) => (call.score === undefined ? [] : [call.score]));
    const satisfied = scores.filter((score) => score >= 4).length;
    const entries = calls.reduce((sum, call) => sum + call.queueEntries, 0);
    const abandonments = calls.reduce((sum, call) => sum + call.abandonments, 0);
    return {
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      calls: calls.length,
      outcomes,
      containmentRate: ratio(outcomes.contained, calls.length),
      transferRate: ratio(outcomes.transferred, calls.length),
      abandonmentRate: ratio(abandonments, entries),
      serviceLevel: { thresholdSeconds: this.options.serviceLevelSeconds, answered: waits.length, inTime, ratio: ratio(inTime, waits.length) },
      averageSpeedOfAnswerSeconds: seconds(mean(waits)),
      averageHandleTimeSeconds: seconds(mean(parts.map((part) => part.talkMs + part.wrapUpMs))),
      handle: {
        parts: parts.length,
        talkSeconds: seconds(mean(parts.map((part) => part.talkMs - part.holdMs))),
        holdSeconds: seconds(mean(parts.map((part) => part.holdMs))),
        wrapUpSeconds: seconds(mean(parts.map((part) => part.wrapUpMs))),
      },
      repeatCallers: { windowDays: (this.options.history?.options.windowMs ?? 0) / 86_400_000, identifiedCalls: identified.length, repeatCalls: repeats, ratio: ratio(repeats, identified.length) },
      firstContactResolution: ratio(identified.length - repeats, identified.length),
      csat: { answers: scores.length, satisfied, ratio: ratio(satisfied, scores.length), meanScore: mean(scores) },
    };
  }

  #handledPart(event: Extract<ObservedEvent, { type: "call.handled" }>, now: number): void {
    const handled: HandledPart = { callId: event.callId, agentId: event.agentId, queueId: event.queueId, talkMs: event.talkMs, holdMs: event.holdMs, wrapUpMs: event.wrapUpMs, at: now };
    this.#handled.push(handled);
    this.listener.handled?.(handled);
  }

  /** Drops ended calls and parts older than the keep time (they are ordered by when they ended). */
  #prune(now: number): void {
    const from = now - this.options.keepMs;
    const oldCalls = this.#ended.findIndex((call) => call.endedAt! >= from);
    this.#ended.splice(0, oldCalls === -1 ? this.#ended.length : oldCalls);
    const oldParts = this.#handled.findIndex((part) => part.at >= from);
    this.#handled.splice(0, oldParts === -1 ? this.#handled.length : oldParts);
  }
}
