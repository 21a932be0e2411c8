// When the caller's emotion turns negative: emotion events (the emotion plugin's, or any with the
// same shape) move the caller between calm and negative, and only the turn to negative raises an
// alert, at most once per cooldown; an escalation of the emotion plugin always does.

/** What counts as negative, and how often to say so. */
export interface AlertRules {
  /** Labels that are negative when their score reaches `minScore`. */
  labels: string[];
  minScore: number;
  /** Valence at or below this is negative whatever the label (-1 to 1). */
  valenceBelow: number;
  /** Which estimates to follow: per utterance, over the rolling window, or both. */
  scopes: ("utterance" | "rolling")[];
  /** Least time between two negative-emotion alerts, s. */
  cooldownSeconds: number;
  /** Alert on the emotion plugin's `emotion.escalation` too. */
  escalations: boolean;
}

/** The fields of an `emotion` event this reads. */
export interface EmotionReading {
  scope: string;
  status: string;
  label: string;
  scores: Record<string, number>;
  valence: number;
}

/** An alert to raise. */
export interface EmotionAlert {
  reason: "negative_emotion" | "escalation";
  label: string;
  score: number;
  valence?: number;
}

/** One caller's emotion, followed from event to event. */
export class EmotionWatch {
  #negative = false;
  #lastAlertAt = -Infinity;

  constructor(readonly rules: AlertRules) {}

  /** An `emotion` event at `now` (ms): the alert to raise when the caller's emotion just turned negative. */
  emotion(reading: EmotionReading, now: number): EmotionAlert | undefined {
    if (reading.status !== "ok" || !this.rules.scopes.includes(reading.scope as "utterance")) return undefined;
    const score = reading.scores[reading.label] ?? 0;
    const negative = (this.rules.labels.includes(reading.label) && score >= this.rules.minScore) || reading.valence <= this.rules.valenceBelow;
    const turned = negative && !this.#negative;
    this.#negative = negative;
    if (!turned || now - this.#lastAlertAt < this.rules.cooldownSeconds * 1000) return undefined;
    this.#lastAlertAt = now;
    return { reason: "negative_emotion", label: reading.label, score, valence: reading.valence };
  }

  /** An `emotion.escalation` event at `now`: always an alert, when escalations are followed. */
  escalation(event: { label: string; score: number }, now: number): EmotionAlert | undefined {
    if (!this.rules.escalations) return undefined;
    this.#lastAlertAt = now;
    return { reason: "escalation", label: event.label, score: event.score };
  }
}
