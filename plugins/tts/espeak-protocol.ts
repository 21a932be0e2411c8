// Messages between the espeak-ng engine (main thread) and its worker.

/** From the main thread: speak a text (split in pieces), or stop a job. */
export type EspeakRequest =
  | { type: "speak"; job: number; pieces: { text: string; offset: number }[]; voice: string; rate: number }
  | { type: "cancel"; job: number };

/** From the worker. `audioMs` of a word is from the start of the job's audio. */
export type EspeakReply =
  | { type: "ready"; sampleRate: number }
  | { type: "failed"; message: string }
  | { type: "audio"; job: number; samples: Int16Array; words: { offset: number; length: number; audioMs: number }[] }
  | { type: "done"; job: number }
  | { type: "error"; job: number; reason: "bad_voice" | "synthesis_failed"; message: string };
