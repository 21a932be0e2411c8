// The assist plugin's work on one caller's session: while an agent is bridged to it, each final
// transcript of the caller brings suggestions from the knowledge base (the latest turns as the
// query), the agent's own transcripts (on the agent's leg) are followed for the required
// disclosures, and the caller's emotion events for a turn to negative.
import { filter, Observable } from "rxjs";
import type { EventInput, Session, SessionEvent } from "../../core/mod.ts";
import { DisclosureTracker, type DisclosureRule } from "./disclosures.ts";
import { type EmotionAlert, type EmotionReading, EmotionWatch, type AlertRules } from "./emotion-watch.ts";
import "./events.ts";
import type { KnowledgeBase } from "./knowledge-base.ts";

/** What one call's assistant works with. */
export interface AssistSettings {
  knowledgeBase: KnowledgeBase;
  /** The caller's last this many final turns make the query. */
  turns: number;
  /** Articles per suggestion. */
  suggestions: number;
  disclosures: DisclosureRule[];
  /** Weighted share of a disclosure's words to hear in order. */
  matchRatio: number;
  /** Time the recogniser gets to report words said just before a deadline, ms. */
  graceMs: number;
  alerts: AlertRules;
}

/** Each older turn of the query counts this much of the turn after it. */
const OLDER_TURN_WEIGHT = 0.5;

/**
 * Assists the agents bridged to `session` (a caller's leg): emits `assist.suggestions`,
 * `assist.reminder`, `assist.disclosed` and `assist.alert` on it. `sessionById` finds the agent's
 * leg, whose transcripts are the agent's words.
 */
export function assistCall(session: Session, sessionById: (id: string) => Session | undefined, settings: AssistSettings): Observable<EventInput> {
  return new Observable<EventInput>((subscriber) => {
    const turns: string[] = [];
    const watch = new EmotionWatch(settings.alerts);
    let agentId: string | undefined;
    /** Ends the follow-up of the bridged agent's part, while there is one. */
    let part: (() => void) | undefined;
    const who = () => (agentId === undefined ? {} : { agentId });

    const suggest = () => {
      const query = turns.map((text, i) => ({ text, weight: OLDER_TURN_WEIGHT ** (turns.length - 1 - i) }));
      const articles = settings.knowledgeBase.search(query, settings.suggestions);
      if (articles.length) subscriber.next({ type: "assist.suggestions", ...who(), query: turns.join(" / "), articles });
    };

    const alert = (found: EmotionAlert | undefined) => {
      if (!found || !part) return;
      const text = turns.at(-1);
      subscriber.next({ type: "assist.alert", ...who(), ...found, ...(text === undefined ? {} : { text }) });
    };

    const remind = (tracker: DisclosureTracker, joinedAt: number) => {
      for (const rule of tracker.overdue(Date.now() - joinedAt)) {
        subscriber.next({ type: "assist.reminder", ...who(), disclosureId: rule.id, phrase: rule.phrases[0]!, withinSeconds: rule.withinSeconds });
      }
    };

    const join = (peer: string, joinedAt: number) => {
      part?.();
      const tracker = new DisclosureTracker(settings.disclosures, settings.matchRatio, settings.graceMs);
      const transcripts = sessionById(peer)?.events$.pipe(filter((event): event is Extract<SessionEvent, { type: "transcript" }> => event.type === "transcript"));
      const heard = transcripts?.subscribe((event) => {
        for (const said of tracker.heard(event.text, event.ts - joinedAt)) {
          subscriber.next({ type: "assist.disclosed", ...who(), disclosureId: said.id, afterMs: said.afterMs, late: said.late, heard: said.heard });
        }
      });
      const timers = new Set<ReturnType<typeof setTimeout>>();
      // A timer can fire a few ms before Date.now() reaches its deadline (on a busy machine the event
      // loop's clock lags the wall clock), and the tracker would then find nothing overdue and never
      // look again: such a timer waits out the rest.
      const remindAt = (deadline: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (Date.now() < deadline) remindAt(deadline);
          else remind(tracker, joinedAt);
        }, Math.max(0, deadline - Date.now()));
        timers.add(timer);
      };
      for (const ms of tracker.deadlines()) remindAt(joinedAt + ms);
      const stop = () => {
        heard?.unsubscribe();
        for (const timer of timers) clearTimeout(timer);
        if (part === stop) part = undefined;
      };
      part = stop;
      // The agent sees at once what the caller already asked (of the bot, or of an agent before).
      if (turns.length) suggest();
    };

    const events = session.events$.subscribe((event) => {
      switch (event.type) {
        case "queue.answered":
          agentId = event.agentId;
          break;
        case "bridge.started":
          join(event.peer, event.ts);
          break;
        case "bridge.ended":
          part?.();
          agentId = undefined;
          break;
        case "transcript":
          if (!event.text.trim()) break;
          turns.push(event.text);
          turns.splice(0, turns.length - settings.turns);
          if (part) suggest();
          break;
        case "emotion":
          alert(watch.emotion(event as EmotionReading, event.ts));
          break;
        case "emotion.escalation":
          if (part) alert(watch.escalation(event, event.ts));
          break;
      }
    });
    return () => {
      events.unsubscribe();
      part?.();
    };
  });
}
