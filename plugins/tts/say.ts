import type { Playback, Session } from "../../core/mod.ts";
import type { AudioFrame } from "../../media/mod.ts";
import "./events.ts";
import { type CachedPrompt, PromptCache, type PromptRecording } from "./prompt-cache.ts";
import { type TtsEngine, TtsError, type TtsWordMark } from "./TtsEngine.ts";

/** What the tts plugin sets up for each session: its engine, defaults and where figures go. */
export interface TtsBinding {
  engine: TtsEngine;
  voice?: string;
  rate?: number;
  /** Records one time to first audio, seconds. */
  firstAudio?(seconds: number): void;
  /** Texts synthesised before, played again without the engine. */
  cache?: PromptCache;
  /** Counts a text found in the cache (true) or synthesised (false). */
  cacheLookup?(hit: boolean): void;
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
  const voice = options.voice ?? binding?.voice;
  const rate = options.rate ?? binding?.rate;
  // A text spoken with an engine of the caller's own is not the plugin's to keep.
  const cache = options.engine ? undefined : binding?.cache;
  const cacheKey = PromptCache.key(engine.name, voice, rate, text);
  const cached = cache?.get(cacheKey);
  const inFlight = cached ? undefined : cache?.pending(cacheKey);
  if (cache) binding?.cacheLookup?.(cached !== undefined || inFlight !== undefined);
  let playbackId = "";

  const started = (firstAudioMs: number, fromCache: boolean) =>
    session.emit({ type: "tts.started", playbackId, engine: engine.name, text, firstAudioMs: Math.round(firstAudioMs * 10) / 10, ...(fromCache ? { cached: true } : {}), source: "tts" });

  async function* speak(): AsyncGenerator<AudioFrame> {
    const startedAt = performance.now();
    // The first to say a text records it for the others. Cut off by a barge-in, it stops here at
    // once, and the text is synthesised whole in the background for the cache: callers who talk
    // over a prompt would otherwise have it synthesised and encoded anew for every one of them.
    const recording = cache?.recording(cacheKey);
    let sessionEnding = false;
    if (recording) void session.ending.then(() => (sessionEnding = true));
    let outcome: "complete" | "failed" | undefined;
    let handedOver = false;
    const finishForCache = () => {
      if (!recording || outcome || handedOver) return;
      handedOver = true;
      // A macrotask later, once a hangup has been told (session.ending): nothing is synthesised for
      // a call that ended (nor while the server closes); a barge-in gets its text in the cache.
      setTimeout(() => (sessionEnding ? recording.drop() : void synthesizeForCache(engine!, text, { voice, rate }, recording)), 0);
    };
    if (recording) stop.signal.addEventListener("abort", finishForCache, { once: true });
    const recorded: AudioFrame[] = [];
    let first = true;
    try {
      for await (const frame of engine!.synthesize(text, { voice, rate, signal: stop.signal, onWord: (mark) => words.push(mark) })) {
        if (first) {
          first = false;
          const firstAudioMs = performance.now() - startedAt;
          binding?.firstAudio?.(firstAudioMs / 1000);
          started(firstAudioMs, false);
        }
        if (recording) recorded.push(frame);
        yield frame;
      }
      if (!stop.signal.aborted) outcome = "complete";
    } catch (error) {
      if (!stop.signal.aborted) outcome = "failed";
      const failure = error instanceof TtsError ? error : new TtsError("synthesis_failed", String(error));
      session.emit({ type: "tts.error", playbackId, engine: engine!.name, reason: failure.reason, message: failure.message, source: "tts" });
    } finally {
      // Cut off (the player stopped reading, or the stop signal), the cache gets a whole synthesis of its own; a failed one is not kept.
      if (outcome === "complete") recording?.keep(recorded, words);
      else if (outcome === "failed") recording?.drop();
      else finishForCache();
    }
  }

  /** Waits for the same text another call is synthesising, then plays its frames (shared, at this call's output format); synthesises itself if that one was not kept. */
  async function* shared(pending: Promise<CachedPrompt | undefined>): AsyncGenerator<AudioFrame> {
    const startedAt = performance.now();
    const cutOff = new Promise<undefined>((resolve) => stop.signal.addEventListener("abort", () => resolve(undefined), { once: true }));
    const prompt = await Promise.race([pending, cutOff]);
    if (stop.signal.aborted) return;
    if (!prompt) {
      yield* speak();
      return;
    }
    words.push(...prompt.words);
    started(performance.now() - startedAt, true);
    const frameSamples = session.outputRate / 50;
    let seq = 0;
    for (const samples of prompt.clip.framesFor(session.outputRate, frameSamples)) {
      yield { samples, sampleRate: session.outputRate, timestamp: seq * 20, seq: seq++ };
    }
  }

  const playback = session.play(cached ? cached.clip : inFlight ? shared(inFlight) : speak(), { interrupt: options.interrupt, label: options.label });
  playbackId = playback.id;
  if (cached) {
    words.push(...cached.words);
    started(0, true);
  }
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

/** Synthesises `text` whole and keeps it under `recording` (or drops it when synthesis fails): the cache's copy of a prompt whose first playback was cut off. */
async function synthesizeForCache(engine: TtsEngine, text: string, options: { voice?: string; rate?: number }, recording: PromptRecording): Promise<void> {
  const frames: AudioFrame[] = [];
  const words: TtsWordMark[] = [];
  try {
    for await (const frame of engine.synthesize(text, { ...options, onWord: (mark) => words.push(mark) })) frames.push(frame);
    recording.keep(frames, words);
  } catch {
    recording.drop();
  }
}
