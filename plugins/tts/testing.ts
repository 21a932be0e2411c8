// Test helper for TTS engines: runs one synthesis to the end and times it.
import type { AudioFrame } from "../../media/mod.ts";
import type { TtsEngine, TtsOptions } from "./TtsEngine.ts";

/** The frames of one synthesis, the time to the first of them and the time to the last, milliseconds. */
export async function synthesizeAll(engine: TtsEngine, text: string, options: TtsOptions = {}): Promise<{ frames: AudioFrame[]; firstMs: number; totalMs: number }> {
  const started = performance.now();
  let firstMs = Number.NaN;
  const frames: AudioFrame[] = [];
  for await (const frame of engine.synthesize(text, options)) {
    if (frames.length === 0) firstMs = performance.now() - started;
    frames.push(frame);
  }
  return { frames, firstMs, totalMs: performance.now() - started };
}
