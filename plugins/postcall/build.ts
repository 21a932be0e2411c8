// Builds the post-call record of a call from its events: timeline, facts, measures, summary and
// scorecard, each in its own file.
import type { CallEvents } from "./call-events.ts";
import { callFacts } from "./facts.ts";
import { measureCall } from "./measures.ts";
import type { PostCallRecord } from "./record.ts";
import { type ScorecardOptions, scoreCall } from "./scorecard.ts";
import { summarizeCall } from "./summary.ts";
import { buildTimeline } from "./timeline.ts";

/** How a record is built. */
export interface BuildOptions {
  scorecard: ScorecardOptions;
  /** Turns quoted in the summary. */
  highlights: number;
}

/** The post-call record of a call. */
export function buildRecord(call: CallEvents, options: BuildOptions): PostCallRecord {
  const timeline = buildTimeline(call);
  const facts = callFacts(call, timeline);
  const measures = measureCall(timeline, call.caller.events, options.scorecard.monologue.maxPauseMs);
  return {
    version: 1,
    callId: call.caller.legId,
    start: timeline.start,
    end: timeline.end,
    durationMs: timeline.end - timeline.start,
    endReason: timeline.endReason,
    session: { transport: call.caller.transport, codec: call.caller.codec, ...(call.caller.remote ? { remote: call.caller.remote } : {}), metadata: { ...call.caller.metadata } },
    legs: timeline.legs,
    transcript: { turns: timeline.turns, gaps: timeline.gaps },
    summary: summarizeCall(facts, timeline.turns, measures, options.highlights),
    measures,
    scorecard: scoreCall(options.scorecard, timeline.turns, facts, measures),
  };
}
