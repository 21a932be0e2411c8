// What a recogniser listens for, declared once: the TypeBox schema validates the plugin's options
// and `asr.search` events, and `AsrSearch` (AsrEngine.ts) is its type. Imports TypeBox itself, not
// core, since the engine's worker threads load the engine contract.
import { type Static, Type } from "@sinclair/typebox";

/** Schema of `AsrSearch`. */
export const AsrSearchSchema = Type.Union([
  /** Free dictation with the engine's language model. */
  Type.Object({ type: Type.Literal("dictation") }, { additionalProperties: false }),
  /**
   * Keyword spotting: only these phrases are reported, wherever they occur in the utterance.
   * `threshold` trades misses for false alarms (pocketsphinx: 1e-50 finds more, 1e-5 fewer; longer phrases want smaller values).
   */
  Type.Object({
    type: Type.Literal("keywords"),
    keywords: Type.Array(
      Type.Object({ phrase: Type.String({ minLength: 1 }), threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
  }, { additionalProperties: false }),
  /** A JSGF grammar (IVR menus, digit strings): the result is a sentence of the grammar, or "". */
  Type.Object({ type: Type.Literal("grammar"), jsgf: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
]);

/** What to listen for: dictation, keywords or a JSGF grammar. */
export type AsrSearch = Static<typeof AsrSearchSchema>;

/** A recognised word with its media times. */
export const AsrWordSchema = Type.Object({
  word: Type.String(),
  startMs: Type.Number(),
  endMs: Type.Number(),
  /** 0 to 1: the engine's belief that this word is right (a posterior where the engine has one). */
  confidence: Type.Number(),
});

/** A recognised word with its media times and confidence. */
export type AsrWord = Static<typeof AsrWordSchema>;
