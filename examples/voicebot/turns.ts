// Which caller turns the barge-in guard let pass: a turn whose every stretch of speech it found a
// cough or a backchannel, while the bot went on talking, is not an answer to the bot.
import type { SessionEvent } from "../../core/mod.ts";
import "../../plugins/barge-in/mod.ts";

/** Follows a session's events and says, per turn, whether the guard let all of its speech pass. */
export interface TurnVerdicts {
  /** Takes the session's events in order. */
  observe(event: SessionEvent): void;
  /** True when the turn that began at media time `startMs` (a transcript's `startMs`) was let pass as a whole; asks once per turn. */
  letPass(startMs: number): boolean;
}

/** Turns remembered while their transcripts are awaited: a few, as finals come back within a turn or two. */
const REMEMBERED_TURNS = 8;

/** Starts following a session's turns. */
export function turnVerdicts(): TurnVerdicts {
  const turns = new Map<number, { stretches: number; passed: number }>();
  /** The turn under way (from its first `vad.speech_start` to its `turn.end`). */
  let open: number | undefined;
  /** The turn of the latest speech: the one a guard decision is about, even when made after its end. */
  let latest: { stretches: number; passed: number } | undefined;
  return {
    observe(event) {
      switch (event.type) {
        case "vad.speech_start":
          if (open === undefined) {
            open = event.startMs;
            turns.set(open, { stretches: 0, passed: 0 });
            for (const old of [...turns.keys()].slice(0, -REMEMBERED_TURNS)) turns.delete(old);
          }
          latest = turns.get(open);
          if (latest) latest.stretches++;
          break;
        case "turn.end":
          open = undefined;
          break;
        case "barge-in.ignored":
          if (latest) latest.passed++;
          break;
      }
    },
    letPass(startMs) {
      const turn = turns.get(startMs);
      turns.delete(startMs);
      return turn !== undefined && turn.stretches > 0 && turn.passed >= turn.stretches;
    },
  };
}
