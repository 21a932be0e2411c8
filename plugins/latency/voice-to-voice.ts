import { filter, map, type Observable } from "rxjs";
import type { EventInput, Session } from "../../core/mod.ts";
import "./events.ts";

/** The end of a caller's turn, waiting for the bot's answer. */
interface PendingTurn {
  /** Wall-clock ms the caller's speech ended. */
  speechEndAt: number;
  speechEndMs: number;
  endpointMs: number;
}

/**
 * Measures each turn's voice-to-voice time on one session: from the end of the caller's speech
 * (a `turn.end`: its wall time less the silence the vad waited) to the next `playback.started`
 * (the reply's first frame being sent). A turn the caller resumes before the bot answers is not
 * counted, nor a playback nobody asked for (a greeting).
 */
export function voiceToVoice(session: Session): Observable<EventInput> {
  let pending: PendingTurn | undefined;
  return session.events$.pipe(
    map((event): EventInput | undefined => {
      if (event.type === "turn.end" && event.reason === "silence") {
        pending = { speechEndAt: event.ts - event.silenceMs, speechEndMs: event.endMs, endpointMs: event.silenceMs };
      } else if (event.type === "vad.speech_start") {
        pending = undefined;
      } else if (event.type === "playback.started" && pending) {
        const turn = pending;
        pending = undefined;
        return { type: "latency.voice_to_voice", playbackId: event.playbackId, voiceToVoiceMs: event.ts - turn.speechEndAt, endpointMs: turn.endpointMs, speechEndMs: turn.speechEndMs };
      }
      return undefined;
    }),
    filter((event): event is EventInput => event !== undefined),
  );
}
