// Types for @echogarden/espeak-ng-emscripten (eSpeak NG built with Emscripten), which ships none.
declare module "@echogarden/espeak-ng-emscripten" {
  /** One synthesis event of eSpeak NG. */
  export interface EspeakEvent {
    type: "list_terminated" | "word" | "sentence" | "mark" | "play" | "end" | "msg_terminated" | "phoneme" | "samplerate";
    /** 1-based character position in the text. */
    text_position: number;
    word_length: number;
    /** ms from the start of the synthesis. */
    audio_position: number;
  }
  /** The synthesiser: one voice and its parameters. */
  export interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): void;
    get_samplerate(): number;
    /** Synthesises synchronously, handing each chunk to the callback; returning true aborts. */
    synthesize(text: string, callback: (samples: Int16Array, events: EspeakEvent[]) => boolean): void;
  }
  /** The instantiated module. */
  export interface ESpeakModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
  }
  /** Instantiates the module (loads espeak-ng.data beside it). */
  export default function createESpeakModule(options?: Record<string, unknown>): Promise<ESpeakModule>;
}
