// Synthesised texts kept for the next caller who is told the same: a voice bot greets every
// caller, reads the same menus and says "Sorry, I didn't catch that" many times an hour. A hit
// costs no synthesis, and as an AudioClip its frames' encodings are shared between calls too.
import { AudioClip, type AudioFrame } from "../../core/mod.ts";
import type { TtsWordMark } from "./TtsEngine.ts";

/** A synthesised text, ready to play again. */
export interface CachedPrompt {
  readonly clip: AudioClip;
  /** Where each word starts in the audio, for what a caller heard when cut off. */
  readonly words: readonly TtsWordMark[];
}

/** A synthesis under way that others wait for: `keep` it when complete, else `drop` it. */
export interface PromptRecording {
  keep(frames: readonly AudioFrame[], words: readonly TtsWordMark[]): void;
  drop(): void;
}

/** Longest synthesis kept, s: longer texts are read-outs of call-specific data, not prompts. */
export const MAX_PROMPT_SECONDS = 30;

/** Synthesised texts, least recently used dropped first once they hold more than `maxBytes`. */
export class PromptCache {
  readonly #entries = new Map<string, CachedPrompt>();
  /** Syntheses under way, so that callers told the same text at the same moment share one. */
  readonly #pending = new Map<string, Promise<CachedPrompt | undefined>>();

  constructor(readonly maxBytes: number) {}

  /** The cache key of a text spoken with these settings. */
  static key(engine: string, voice: string | undefined, rate: number | undefined, text: string): string {
    return JSON.stringify([engine, voice ?? null, rate ?? null, text]);
  }

  /** Texts kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The prompt under `key`, if kept (it becomes the most recently used). */
  get(key: string): CachedPrompt | undefined {
    const prompt = this.#entries.get(key);
    if (prompt) {
      this.#entries.delete(key);
      this.#entries.set(key, prompt);
    }
    return prompt;
  }

  /** The synthesis of `key` under way, if one is: it resolves to the prompt, or undefined when it was not kept. */
  pending(key: string): Promise<CachedPrompt | undefined> | undefined {
    return this.#pending.get(key);
  }

  /**
   * Announces a synthesis of `key`: until `keep` or `drop`, callers asking for the same text wait
   * for it (`pending`) instead of synthesising it again. A burst of calls greeted at once costs
   * one synthesis and, as the clip's frames are shared, one encode per frame.
   */
  recording(key: string): PromptRecording {
    let settle!: (prompt: CachedPrompt | undefined) => void;
    const promise = new Promise<CachedPrompt | undefined>((resolve) => (settle = resolve));
    this.#pending.set(key, promise);
    const done = (prompt: CachedPrompt | undefined) => {
      if (this.#pending.get(key) === promise) this.#pending.delete(key);
      settle(prompt);
    };
    return {
      keep: (frames, words) => done(this.set(key, frames, words)),
      drop: () => done(undefined),
    };
  }

  /** Keeps a complete synthesis (its frames in order) under `key` and returns it; too long a one is not kept. */
  set(key: string, frames: readonly AudioFrame[], words: readonly TtsWordMark[]): CachedPrompt | undefined {
    if (frames.length === 0) return undefined;
    const clip = AudioClip.fromFrames(frames);
    if (clip.durationMs > MAX_PROMPT_SECONDS * 1000) return undefined;
    const prompt = { clip, words: [...words] };
    this.#entries.delete(key);
    this.#entries.set(key, prompt);
    this.#evict();
    return prompt;
  }

  /** Drops the least recently used until the rest fit (a clip's size grows as it is cut for more output formats). */
  #evict(): void {
    let bytes = 0;
    for (const prompt of this.#entries.values()) bytes += prompt.clip.byteLength;
    for (const [key, prompt] of this.#entries) {
      if (bytes <= this.maxBytes) return;
      this.#entries.delete(key);
      bytes -= prompt.clip.byteLength;
    }
  }
}
