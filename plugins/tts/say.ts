import type { Playback, Session } from "../../core/mod.ts";
import type { AudioFrame } from "../../media/mod.ts";
import "./events.ts";
import { type TtsEngine, TtsError, type TtsWordMark } from "./TtsEngine.ts";

/** What the tts plugin sets up for each session: its engine, defaults and where figures go. */
export interface TtsBinding {
  engine: TtsEngine;
  voice?: string;
  rate?: number;
  /** Records one time to first audio, seconds. */
  firstAudio?(seconds: number): void;
}

/** Sessions served by the tts plugin, by id. */
const bindings = new Map<string, TtsBinding>();

/** Makes `say` use `binding` for a session (the tts plugin calls this); returns the function that undoes it. */
export function bindTts(sessionId: string, binding: TtsBinding): () => void {
  bindings.set(sessionId, binding);
  return () => {
    if (bindings.get(sessionId) === binding) bindings.delete(sessionId);
  };
}

/** Options of `say`. */
export interface SayOptions {
  /** The engine's voice; default: the tts plugin's. */
  voice?: string;
  /** Words per minute; default: the tts plugin's. */
  rate?: number;
  /** Cut off whatever is playing or queued instead of waiting for it. */
  interrupt?: boolean;
  /** Names the playback (a prompt name such as "voicebot:greeting"), so a barge-in can report what it cut off. */
  label?: string;
  /** Speak with this engine instead of the tts plugin's. */
  engine?: TtsEngine;
}

/**
 * Speaks `text` to the caller: synthesis streams straight into `session.play`, so the first
 * words go out while the rest is still being synthesised. Returns the Playback (cancel it to stop
 * talking). Emits `tts.started` (with the time to first audio), `tts.finished` (with what the
 * caller heard when cut off) and, when synthesis fails, `tts.error`.
 *
 * ```ts
 * const playback = say(session, "Thank you for calling. How can I help?");
 * await playback.done;
 * ```
 */
export function say(session: Session, text: string, options: SayOptions = {}): Playback {
  const binding = bindings.get(session.id);
  const engine = options.engine ?? binding?.engine;
  if (!engine) throw new TtsError("engine_unavailable", "say() needs the tts plugin on the server, or an engine in its options");
  const words: TtsWordMark[] = [];
  const stop = new AbortController();
  let playbackId = "";

  async function* speak(): AsyncGenerator<AudioFrame> {
    const started = performance.now();
    let first = true;
    try {
      for await (const frame of engine!.synthesize(text, { voice: options.voice ?? binding?.voice, rate: options.rate ?? binding?.rate, signal: stop.signal, onWord: (mark) => words.push(mark) })) {
        if (first) {
          first = false;
          const firstAudioMs = performance.now() - started;
          binding?.firstAudio?.(firstAudioMs / 1000);
          session.emit({ type: "tts.started", playbackId, engine: engine!.name, text, firstAudioMs: Math.round(firstAudioMs * 10) / 10, source: "tts" });
        }
        yield frame;
      }
    } catch (error) {
      const failure = error instanceof TtsError ? error : new TtsError("synthesis_failed", String(error));
      session.emit({ type: "tts.error", playbackId, engine: engine!.name, reason: failure.reason, message: failure.message, source: "tts" });
    }
  }

  const playback = session.play(speak(), { interrupt: options.interrupt, label: options.label });
  playbackId = playback.id;
  playback.done.then(({ cancelled, playedMs }) => {
    stop.abort();
    const spokenText = cancelled ? heard(text, words, playedMs) : text.trim();
    session.emit({ type: "tts.finished", playbackId, engine: engine.name, text, cancelled, playedMs, ...(spokenText === undefined ? {} : { spokenText }), source: "tts" });
  });
  return playback;
}

/** Of a text cut off: the text up to the end of the last word that had started playing, or undefined without word marks. */
function heard(text: string, words: readonly TtsWordMark[], playedMs: number): string | undefined {
  if (words.length === 0) return undefined;
  let end = 0;
  for (const word of words) if (word.audioMs < playedMs) end = Math.max(end, word.offset + word.length);
  return text.slice(0, end).trim();
}
