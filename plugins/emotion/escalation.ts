// Escalation rules: "angry above 0.7 for 5 s". Each rolling estimate of the call is checked;
// a rule fires once when its class has stayed at or above the threshold for the duration, and
// re-arms when the class falls below it again.
import type { EmotionScores } from "./events.ts";

/** One rule: `label`'s rolling probability at or above `threshold` for `forMs` of media time. */
export interface EscalationRule {
  label: keyof EmotionScores;
  threshold: number;
  forMs: number;
}

/** A rule that fired. */
export interface Escalation {
  label: string;
  score: number;
  threshold: number;
  sinceMs: number;
  durationMs: number;
}

/** Tracks the rules over one call. */
export class EscalationTracker {
  readonly #state: { since: number | null; fired: boolean }[];

  /** Tracks `rules`. */
  constructor(readonly rules: readonly EscalationRule[]) {
    this.#state = rules.map(() => ({ since: null, fired: false }));
  }

  /** Checks a rolling estimate covering speech from `startMs` to `endMs`; returns the rules that fire now. */
  update(scores: EmotionScores, startMs: number, endMs: number): Escalation[] {
    const fired: Escalation[] = [];
    for (const [i, rule] of this.rules.entries()) {
      const state = this.#state[i]!;
      const score = scores[rule.label];
      if (score < rule.threshold) {
        state.since = null;
        state.fired = false;
        continue;
      }
      state.since ??= startMs;
      const durationMs = endMs - state.since;
      if (!state.fired && durationMs >= rule.forMs) {
        state.fired = true;
        fired.push({ label: rule.label, score, threshold: rule.threshold, sinceMs: state.since, durationMs });
      }
    }
    return fired;
  }
}
