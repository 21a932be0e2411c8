// The barge-in guard of one session. The moment the caller starts speaking over a playback, the
// playback is held (paused: nothing more goes out on the wire, so the caller hears the bot stop
// within the VAD's detection delay). Then the guard decides: speech shorter than `minSpeechMs` (a
// cough, a click) or only backchannel words ("uh-huh") lets the playback go on from where it was
// held; anything else cuts it off with `stopPlayback()` (which also sends a WebSocket peer `clear`)
// and a `barge-in` event. Holding first and deciding after is what lets one guard both stop fast
// and ignore coughs: a guard that waited for proof before stopping could never react within 100 ms.
// Words are judged on the recogniser's partial transcripts once they hold still, and on its final
// transcript: partials often end in a word the next one takes back ("okay an", then "okay").
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
  /**
   * Longest hold while waiting for words, wall ms from the onset and again from the end of the
   * speech (the first turn of a call may only get words in its final transcript); then the
   * playback is cut off.
   */
  maxHoldMs: number;
  /** True when an ASR plugin gives partial transcripts to judge words by. */
  transcripts: boolean;
  /** Records one reaction time (onset of speech to the audio stopping), seconds. */
  reaction?(seconds: number): void;
}

/**
 * How long a word that is not a backchannel must stay in the partial transcripts before it counts,
 * wall ms: longer than the recogniser's partial interval (200 ms of audio), so that a trailing
 * word the next partial takes back never cuts a prompt off.
 */
const STABLE_WORDS_MS = 300;

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
  /** The words have something that is not a backchannel, and it held still (or came in a final transcript). */
  content: boolean;
  /** The recogniser's final transcript of the speech has come: no better words will. */
  final: boolean;
  /** Pending check that a partial's content held still. */
  stable?: ReturnType<typeof setTimeout>;
  /** Cuts the playback off when no words have decided it by then (`maxHoldMs`). */
  limit?: ReturnType<typeof setTimeout>;
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
      clearTimeout(current?.stable);
      clearTimeout(current?.limit);
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
      if (!judgeWords || hold.content) {
        void cutOff();
      } else if (hold.ended && isBackchannel(hold.text, words)) {
        letGo("backchannel");
      } else if (hold.final) {
        // The recogniser found no words in speech longer than a cough: take it as an interruption.
        void cutOff();
      }
    }

    /** New words from the recogniser: content counts at once from a final transcript, from a partial once it held still. */
    function heard(current: Hold, text: string, final: boolean): void {
      current.text = text;
      current.final ||= final;
      if (!hasContent(text, words)) {
        clearTimeout(current.stable);
        current.stable = undefined;
      } else if (final) {
        current.content = true;
      } else if (current.stable === undefined) {
        current.stable = setTimeout(() => {
          current.stable = undefined;
          current.content = hasContent(current.text, words);
          decide();
        }, STABLE_WORDS_MS);
      }
      decide();
    }

    /** (Re)starts the wait for words: `ms` from now the playback is cut off, unless decided before. */
    function limitHold(current: Hold, ms: number): void {
      clearTimeout(current.limit);
      current.limit = setTimeout(() => void cutOff(), Math.max(0, ms));
    }

    function begin(startMs: number, detectedMs: number, eventTs: number): void {
      const playback = session.nowPlaying;
      // Only prompts yield to the caller: the other party of a bridge and hold music go on.
      if (!playback || playback.paused || !playback.bargeIn) return;
      playback.pause();
      const heldAt = Date.now();
      const alreadyMs = detectedMs - startMs;
      // The onset in wall time: the event carries the media time of both the onset and the frame
      // that confirmed it, so the detection delay is known; only the frame-to-event processing is not.
      const current: Hold = { playback, speechStartMs: startMs, onsetAt: eventTs - alreadyMs, heldAt, longEnough: false, ended: false, text: "", content: false, final: false, timers: [] };
      hold = current;
      // Speech still going `minSpeechMs + hangoverMs` after its onset has lasted at least `minSpeechMs`.
      current.timers.push(setTimeout(() => {
        current.longEnough = true;
        decide();
      }, Math.max(0, options.minSpeechMs + options.hangoverMs - alreadyMs)));
      limitHold(current, options.maxHoldMs - alreadyMs);
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
            // Still undecided: the words are on their way in the final transcript; wait for them afresh.
            if (hold) limitHold(hold, options.maxHoldMs);
          }
          break;
        case "transcript.partial":
          if (hold) heard(hold, event.text, false);
          break;
        case "transcript":
          // A late final of an earlier turn says nothing of this speech.
          if (hold && event.endMs > hold.speechStartMs) heard(hold, event.text, true);
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
