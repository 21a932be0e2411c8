// The barge-in guard of one session. The moment the caller starts speaking over a playback, the
// playback is held (paused: nothing more goes out on the wire, so the caller hears the bot stop
// within the VAD's detection delay). Then the guard decides: speech shorter than `minSpeechMs` (a
// cough, a click) or only backchannel words ("uh-huh") lets the playback go on from where it was
// held; anything else cuts it off with `stopPlayback()` (which also sends a WebSocket peer `clear`)
// and a `barge-in` event. Holding first and deciding after is what lets one guard both stop fast
// and ignore coughs: a guard that waited for proof before stopping could never react within 100 ms.
import { Observable } from "rxjs";
import type { EventInput, Playback, Session } from "../../core/mod.ts";
import { backchannelWords, hasContent, isBackchannel } from "./backchannel.ts";
import "./events.ts";

/** Settings of the guard. */
export interface BargeInGuardOptions {
  /** Speech over a playback must last this long (media ms) to cut it off; shorter speech is a cough or a click. */
  minSpeechMs: number;
  /** The vad plugin's `hangoverMs`: a short stretch of speech is only known to have ended this long after it did. */
  hangoverMs: number;
  /** Words that, alone, are a backchannel and not an interruption (used when partial transcripts come). Empty: no word check. */
  backchannels: readonly string[];
  /** Longest hold while waiting for words; then the playback is cut off (wall ms from the onset). */
  maxHoldMs: number;
  /** True when an ASR plugin gives partial transcripts to judge words by. */
  transcripts: boolean;
  /** Records one reaction time (onset of speech to the audio stopping), seconds. */
  reaction?(seconds: number): void;
}

/** A playback held because the caller started speaking over it. */
interface Hold {
  playback: Playback;
  /** Media time of the speech onset. */
  speechStartMs: number;
  /** Wall-clock ms of the onset and of the moment the audio stopped. */
  onsetAt: number;
  heldAt: number;
  /** The speech has lasted `minSpeechMs`. */
  longEnough: boolean;
  /** The speech has ended (`vad.speech_end`). */
  ended: boolean;
  /** Latest words of the recogniser since the hold began. */
  text: string;
  timers: ReturnType<typeof setTimeout>[];
}

/** Guards one session's playbacks against the caller's speech; yields `barge-in` and `barge-in.ignored` events. */
export function guardPlayback(session: Session, options: BargeInGuardOptions): Observable<EventInput> {
  const words = backchannelWords(options.backchannels);
  const judgeWords = options.transcripts && words.size > 0;

  return new Observable<EventInput>((subscriber) => {
    let hold: Hold | undefined;
    /** The last `tts.finished`, for the spoken text of a playback just cut off. */
    let lastSpoken: { playbackId: string; text: string; spokenText?: string } | undefined;

    function release(): Hold | undefined {
      const current = hold;
      hold = undefined;
      for (const timer of current?.timers ?? []) clearTimeout(timer);
      return current;
    }

    function letGo(reason: "short" | "backchannel"): void {
      const done = release();
      if (!done) return;
      done.playback.resume();
      const callerText = done.text || undefined;
      subscriber.next({ type: "barge-in.ignored", playbackId: done.playback.id, reason, heldMs: Date.now() - done.heldAt, ...(callerText ? { callerText } : {}) });
    }

    async function cutOff(): Promise<void> {
      const done = release();
      if (!done) return;
      const { playback } = done;
      const heldMs = Date.now() - done.heldAt;
      const reactionMs = done.heldAt - done.onsetAt;
      session.stopPlayback();
      // The tts plugin reports what was heard once the playback's end is known; wait for that.
      const { playedMs } = await playback.done;
      const spoken = lastSpoken?.playbackId === playback.id ? lastSpoken : undefined;
      const label = playback.label ?? spoken?.text;
      options.reaction?.(reactionMs / 1000);
      subscriber.next({
        type: "barge-in",
        playbackId: playback.id,
        ...(label === undefined ? {} : { label }),
        playedMs,
        ...(spoken?.spokenText === undefined ? {} : { spokenText: spoken.spokenText }),
        reactionMs,
        speechStartMs: done.speechStartMs,
        heldMs,
        ...(done.text ? { callerText: done.text } : {}),
      });
    }

    /** Decides once enough is known; otherwise waits for more speech, words or the hold's limit. */
    function decide(): void {
      if (!hold?.longEnough) return;
      if (!judgeWords || hasContent(hold.text, words)) {
        void cutOff();
      } else if (hold.ended && isBackchannel(hold.text, words)) {
        letGo("backchannel");
      }
    }

    function begin(startMs: number, detectedMs: number, eventTs: number): void {
      const playback = session.nowPlaying;
      if (!playback || playback.paused) return;
      playback.pause();
      const heldAt = Date.now();
      const alreadyMs = detectedMs - startMs;
      // The onset in wall time: the event carries the media time of both the onset and the frame
      // that confirmed it, so the detection delay is known; only the frame-to-event processing is not.
      const current: Hold = { playback, speechStartMs: startMs, onsetAt: eventTs - alreadyMs, heldAt, longEnough: false, ended: false, text: "", timers: [] };
      hold = current;
      // Speech still going `minSpeechMs + hangoverMs` after its onset has lasted at least `minSpeechMs`.
      current.timers.push(setTimeout(() => {
        current.longEnough = true;
        decide();
      }, Math.max(0, options.minSpeechMs + options.hangoverMs - alreadyMs)));
      current.timers.push(setTimeout(() => void cutOff(), Math.max(0, options.maxHoldMs - alreadyMs)));
      playback.done.then(() => {
        // Cut off or finished by someone else (a new prompt with `interrupt`): nothing left to guard.
        if (hold === current) release();
      });
    }

    const events = session.events$.subscribe((event) => {
      switch (event.type) {
        case "vad.speech_start":
          if (!hold) begin(event.startMs, event.detectedMs, event.ts);
          break;
        case "vad.speech_end":
          if (!hold) break;
          if (event.durationMs < options.minSpeechMs) {
            letGo("short");
          } else {
            hold.longEnough = true;
            hold.ended = true;
            decide();
          }
          break;
        case "transcript.partial":
        case "transcript":
          if (!hold) break;
          hold.text = event.text;
          decide();
          break;
        case "tts.finished":
          lastSpoken = event;
          break;
      }
    });
    return () => {
      events.unsubscribe();
      release()?.playback.resume();
    };
  });
}
