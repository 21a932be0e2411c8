// Messages between the Silero VAD (main thread) and its worker.

/** Samples per model window at 16 kHz (32 ms), the size Silero v5 is trained on. */
export const WINDOW_SAMPLES = 512;
/** Samples of the previous window prepended to each input, as the reference implementation does. */
export const CONTEXT_SAMPLES = 64;

/** From the main thread: start or end a stream, or classify whole windows of its 16 kHz audio. */
export type SileroRequest =
  | { type: "open"; stream: number }
  /** `samples`: 16-bit samples, as a plain buffer (Deno's worker_threads visits every element of a typed array in a message, looking for ports). */
  | { type: "audio"; stream: number; samples: ArrayBuffer }
  | { type: "close"; stream: number };

/** From the worker: the model is loaded (or not), or one speech probability per window sent. */
export type SileroReply =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "probabilities"; stream: number; values: Float32Array }
  | { type: "error"; stream: number; message: string };
