// The extractive summary: plain sentences from the facts, and the few turns of the caller and the
// agents that say the most about the call, quoted as said. No language model runs offline: a turn
// scores by how often its content words recur in the call (what the call kept coming back to).
import { seconds } from "./format.ts";
import type { CallFacts, CallMeasures, CallSummary, Disposition, TranscriptTurn } from "./record.ts";

/** Words that carry no content. */
const FUNCTION_WORDS = new Set(
  ("a about after again all am an and any are as at be been but by can could did do does for from had has have he her him his how i i'd i'll i'm i've if in into is it it's its just me my no not now of off ok okay on "
    + "or our out please so some than that that's the their them then there they this to too uh um up us was we were what when where which who why will with would yeah yes you you're your hello hi thanks thank").split(" "),
);

function words(said: string): string[] {
  return said.toLowerCase().split(/[^\p{L}\p{N}']+/u).filter((word) => word && !FUNCTION_WORDS.has(word));
}

/** Indexes of up to `count` turns of the caller and agents whose content words recur most in the call, in call order. */
export function highlights(turns: readonly TranscriptTurn[], count: number): number[] {
  const frequency = new Map<string, number>();
  const spoken = turns.map((turn, index) => ({ index, words: turn.speaker === "bot" ? [] : [...new Set(words(turn.text))] }));
  for (const { words: list } of spoken) for (const word of list) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  return spoken
    .filter((turn) => turn.words.length > 0)
    .map((turn) => ({ index: turn.index, score: turn.words.reduce((sum, word) => sum + frequency.get(word)!, 0) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map((turn) => turn.index)
    .sort((a, b) => a - b);
}

const OUTCOMES: Record<Disposition, (facts: CallFacts) => string> = {
  self_service: () => "The bot handled the call.",
  handled_by_agent: (facts) => `Handled by ${facts.agents.map((a) => `agent ${a.agentId}`).join(", then ")}.`,
  abandoned: (facts) => `The caller hung up after ${seconds(facts.queueMs)} waiting${facts.queues.length ? ` in ${facts.queues.at(-1)}` : ""}.`,
  callback_requested: () => "The caller asked to be called back.",
  handover_unanswered: (facts) => `Asked for a person${facts.handoverReason ? ` (${facts.handoverReason.replaceAll("_", " ")})` : ""}; no agent answered.`,
  no_interaction: () => "The caller said nothing.",
};

/** The summary of a call: sentences from its facts, and its highlights quoted. */
export function summarizeCall(facts: CallFacts, turns: readonly TranscriptTurn[], measures: CallMeasures, highlightCount: number): CallSummary {
  const identity = facts.identity?.verdict === "match" ? " (voice verified)" : facts.identity?.verdict === "no_match" ? " (voice does NOT match the claimed identity)" : "";
  const caller = `${facts.account ? `Caller with account ${facts.account}` : "Caller"}${identity}`;
  const parts = [`${caller} ${facts.intent ? `called about ${facts.intent.replaceAll("_", " ")}` : "did not say what about"}.`, OUTCOMES[facts.disposition](facts)];
  const moved = facts.transfers.filter((t) => t.kind !== "handover").length;
  if (moved > 0) parts.push(`Transferred ${moved} time${moved === 1 ? "" : "s"}.`);
  if (facts.escalated) parts.push("The caller's emotion escalated.");
  if (measures.emotion) parts.push(`Mood ${measures.emotion.start.label} at the start, ${measures.emotion.end.label} at the end.`);
  if (facts.syntheticVoice?.verdict === "synthetic") parts.push(`The voice may be synthetic (${Math.round(facts.syntheticVoice.score * 100)}%).`);
  else if (facts.syntheticVoice?.verdict === "uncertain") parts.push(`The voice could not be confirmed natural (${Math.round(facts.syntheticVoice.score * 100)}% synthetic).`);
  const chosen = highlights(turns, highlightCount);
  for (const index of chosen) parts.push(`${turns[index]!.speaker === "caller" ? "Caller" : "Agent"}: "${turns[index]!.text}"`);
  parts.push(`${seconds(measures.handleMs)} in all${facts.queueMs > 0 ? `, ${seconds(facts.queueMs)} waiting` : ""}.`);
  return { text: parts.join(" "), highlights: chosen, facts };
}
