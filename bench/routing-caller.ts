// A caller for the routing load bench: a real RTP leg into the server, handed over to routing the
// way the voice bot does it (its session emits `voicebot.intent` and `route.request`: the bot, ASR
// and TTS are not loaded), then waiting on hold until answered, overflowed or out of patience.
import type { EventInput, ParleyServer } from "../core/mod.ts";
import type { RtpLeg, RtpLegs } from "./rtp-legs.ts";

/** How a call ended for the caller. */
export type Outcome = "answered" | "abandoned" | "overflowed";

/** What a caller will do. */
export interface CallerPlan {
  index: number;
  /** When it calls, ms after the run starts. */
  arriveAtMs: number;
  /** Time with the bot before the handover, ms. */
  botMs: number;
  /** The topic the bot recognised (its queue by the routing options); none: the default queue. */
  intent?: string;
  /** Hangs up after this long in the queue unless answered; none: waits as long as it takes. */
  patienceMs?: number;
  /** Hangs up this long after being answered, before the agent does; none: the agent ends the call. */
  hangUpAfterMs?: number;
}

/** What happened to a caller. */
export interface CallerRecord {
  plan: CallerPlan;
  sessionId?: string;
  outcome?: Outcome;
  /** In the queue until answered, overflowed out or hung up, ms. */
  waitMs?: number;
  agentId?: string;
  /** Overflows into another queue on the way. */
  moves: number;
  /** The session ended. */
  ended: boolean;
  /** Why the handover failed (a plugin.error), if it did. */
  error?: string;
  leg?: RtpLeg;
}

/** Hooks of the run into a caller's life. */
export interface CallerHooks {
  /** The call was bridged to `record.agentId`. */
  answered(record: CallerRecord): void;
  /** Timers the run clears if it must stop early. */
  timers: Set<ReturnType<typeof setTimeout>>;
}

/** The session's own frequency: 600 Hz fits 12 periods in a 20 ms frame at 8 kHz. */
export const CALLER_HZ = 600;

/** Places one call and follows it to its end; resolves with what happened. */
export async function runCaller(server: ParleyServer, legs: RtpLegs, plan: CallerPlan, hooks: CallerHooks): Promise<CallerRecord> {
  const record: CallerRecord = { plan, moves: 0, ended: false };
  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      hooks.timers.delete(timer);
      work();
    }, ms);
    hooks.timers.add(timer);
  };
  const leg = await legs.open(CALLER_HZ);
  record.leg = leg;
  const { session, port } = await server.rtp.open({ codec: "pcmu", remote: `127.0.0.1:${leg.socket.address().port}`, symmetric: false, metadata: { callerId: `+1555${String(plan.index).padStart(7, "0")}` } });
  record.sessionId = session.id;
  leg.start(port);
  let queuedAt = 0;
  session.events$.subscribe((event) => {
    switch (event.type) {
      case "queue.answered":
        if (record.outcome) return;
        record.outcome = "answered";
        record.waitMs = event.waitMs;
        record.agentId = event.agentId;
        hooks.answered(record);
        if (plan.hangUpAfterMs !== undefined) later(plan.hangUpAfterMs, () => void session.hangup("caller_hangup"));
        break;
      case "queue.overflowed":
        if (event.to !== undefined) {
          record.moves++;
          return;
        }
        if (record.outcome) return;
        record.outcome = "overflowed";
        record.waitMs = event.waitMs;
        // Hears the message, then hangs up.
        later(300, () => void session.hangup("caller_hangup"));
        break;
      case "plugin.error":
        record.error ??= event.message;
        break;
    }
  });
  const closed = session.closed.then(() => {
    record.ended = true;
  });
  await new Promise<void>((resolve) => later(plan.botMs, resolve));
  if (plan.intent) session.emit({ type: "voicebot.intent", intent: plan.intent, via: "speech", text: plan.intent, source: "voicebot" } as EventInput);
  session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: ["I want to talk to a person"], source: "voicebot" } as EventInput);
  queuedAt = performance.now();
  if (plan.patienceMs !== undefined) {
    later(plan.patienceMs, () => {
      if (record.outcome || record.ended) return;
      record.outcome = "abandoned";
      record.waitMs = performance.now() - queuedAt;
      void session.hangup("caller_hangup");
    });
  }
  await closed;
  await legs.close(leg);
  return record;
}
