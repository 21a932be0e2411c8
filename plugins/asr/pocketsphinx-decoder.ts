// One pocketsphinx decoder (ps_decoder_t) as the worker uses it: switch search, run an
// utterance, read partial and final hypotheses with word times and posteriors. Worker-side only.
//
// A worker runs one decoder per utterance in progress, so what a decoder loads for itself is paid
// per concurrent caller. Given the worker's SharedModels, a dictation decoder uses the worker's one
// language model (33 MB) instead of reading its own, and a grammar decoder starts with an empty
// dictionary and is given its grammars' words (the whole dictionary is 22 MB a decoder): 91 and
// 27 MB a decoder become about 58 and 6.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsrError, type AsrResult, type AsrSearch, type AsrWord } from "./AsrEngine.ts";
import { grammarWords } from "./grammars.ts";
import { LiveCmn } from "./pocketsphinx-cmn.ts";
import type { Pointer, PocketsphinxLibrary } from "./pocketsphinx-library.ts";
import { PronunciationDictionary } from "./pronunciations.ts";
import type { DecoderKind, PocketsphinxWorkerConfig } from "./pocketsphinx-protocol.ts";

/** pocketsphinx computes 100 feature frames per second. */
const FRAME_MS = 10;
/** The search ps_init makes from -lm. */
const DICTATION_SEARCH = "_default";
/**
 * Plain decoders (grammars, keywords) penalise words more and silence less than pocketsphinx's
 * defaults (-wip 0.65, -silprob 0.005): with the defaults, a digits grammar inserted short words
 * ("oh", "eight") into pauses and accents. Chosen on a development selection of the digits set
 * (other clips than `npm run eval:asr` reports), where digit accuracy in 4-digit strings rose from
 * 38% to 63%; -wip 1e-3 did about as well, 1e-4 worse.
 */
const GRAMMAR_ARGS = ["-wip", "1e-2", "-silprob", "0.1"];
/** Default keyword threshold: found "forward" in goforward.wav, no false alarm on the rest of the speech set. */
const DEFAULT_KEYWORD_THRESHOLD = 1e-20;
/** sphinxbase's NGRAM_AUTO: the language model file's format is read from the file. */
const NGRAM_AUTO = 0;
/** A dictionary with no words (pocketsphinx still adds the model's fillers: silence, noise). */
const EMPTY_DICTIONARY = "/dev/null";

/** What the decoders of one worker share, each loaded once: the dictation language model and the pronunciation dictionary. */
export class SharedModels {
  readonly #lib: PocketsphinxLibrary;
  readonly #path: string;
  #languageModel: Pointer | undefined;
  /** Where grammar decoders find their words. */
  readonly words: PronunciationDictionary;

  constructor(lib: PocketsphinxLibrary, config: PocketsphinxWorkerConfig) {
    this.#lib = lib;
    this.#path = config.languageModel;
    this.words = new PronunciationDictionary(readFileSync(config.dictionary, "latin1"));
  }

  /**
   * The language model, read the first time with `decoder`'s weights and log base (every
   * dictation decoder has the same). Decoders that use it hold a reference (ps_set_lm), and this
   * object keeps one for the worker's life.
   */
  languageModel(decoder: Pointer): Pointer {
    this.#languageModel ??= this.#lib.ngram_model_read(this.#lib.ps_get_config(decoder), this.#path, NGRAM_AUTO, this.#lib.ps_get_logmath(decoder));
    if (!this.#languageModel) throw new AsrError("decoder_failed", `pocketsphinx could not read the language model ${this.#path}`);
    return this.#languageModel;
  }
}

/** Silence, fillers, sentence marks and grammar null transitions: timed, but not words of the transcript. */
function isFiller(word: string): boolean {
  return word.startsWith("<") || word.startsWith("[") || word.startsWith("++") || word.startsWith("(");
}

/** "read(2)" is the second pronunciation of "read". */
function baseWord(word: string): string {
  return word.trim().replace(/\(\d+\)$/, "");
}

/** A ps_decoder_t and the searches it already holds. */
export class PocketsphinxDecoder {
  readonly kind: DecoderKind;
  readonly #lib: PocketsphinxLibrary;
  readonly #decoder: Pointer;
  readonly #logmath: Pointer;
  readonly #searches = new Set<string>();
  /** The live cepstral-mean normaliser, when this build's layout was verified. */
  readonly #cmn: LiveCmn | undefined;
  /** Grammar decoders given SharedModels: where the words of their grammars come from. */
  readonly #words: PronunciationDictionary | undefined;

  /** `shared`: the worker's models (see SharedModels); without it, the decoder loads the whole dictionary and its own language model. */
  constructor(lib: PocketsphinxLibrary, config: PocketsphinxWorkerConfig, kind: DecoderKind, shared?: SharedModels) {
    this.kind = kind;
    this.#lib = lib;
    this.#words = kind === "plain" ? shared?.words : undefined;
    const ownModel = kind === "dictation" && !shared;
    const argv = [
      "-hmm", config.acousticModel,
      "-dict", this.#words ? EMPTY_DICTIONARY : config.dictionary,
      ...(kind === "dictation" ? [...(ownModel ? ["-lm", config.languageModel] : []), "-fwdflat", config.secondPass ? "yes" : "no"] : GRAMMAR_ARGS),
      "-logfn", "/dev/null",
      // Parley finds speech itself; pocketsphinx's own silence removal also garbles word times in this version.
      "-remove_silence", "no",
    ];
    const options = lib.cmd_ln_parse_r(null, lib.ps_args(), argv.length, argv, 1);
    if (!options) throw new AsrError("decoder_failed", `pocketsphinx rejected its configuration (${argv.join(" ")})`);
    this.#decoder = lib.ps_init(options);
    if (!this.#decoder) throw new AsrError("decoder_failed", `pocketsphinx could not load the model from ${config.acousticModel} with ${config.dictionary}`);
    this.#logmath = lib.ps_get_logmath(this.#decoder);
    if (kind === "dictation" && shared && lib.ps_set_lm(this.#decoder, DICTATION_SEARCH, shared.languageModel(this.#decoder)) < 0) {
      lib.ps_free(this.#decoder);
      throw new AsrError("decoder_failed", "pocketsphinx could not build the dictation search");
    }
    this.#cmn = this.#findCmn(config.acousticModel);
  }

  /** The line estimate after the last utterance (see pocketsphinx-cmn.ts), when available. */
  cmnMean(): Float32Array | undefined {
    return this.#cmn?.get();
  }

  /** True when the decoder can estimate a new line from its first audio (`estimateLine`). */
  get canEstimateLine(): boolean {
    return this.#cmn !== undefined;
  }

  /** Starts the next utterance from this line estimate, or from the model's prior. */
  setCmnMean(mean?: Float32Array): void {
    if (this.#cmn) this.#cmn.set(mean ?? this.#cmn.prior);
  }

  /** Estimates a new line's mean from `samples` (features only, no search), for the utterance that follows. */
  estimateLine(samples: Int16Array): void {
    if (!this.#cmn) return;
    this.#cmn.weaken();
    this.start();
    if (samples.length > 0) this.#lib.ps_process_raw(this.#decoder, samples, samples.length, 1, 0);
    this.abandon();
    this.#cmn.set(this.#cmn.get());
  }

  /** Whether this decoder can run `search` (dictation needs the language model). */
  supports(search: AsrSearch): boolean {
    return search.type !== "dictation" || this.kind === "dictation";
  }

  /** Makes `search` the active one, building it the first time; throws AsrError when it is invalid. */
  use(search: AsrSearch): void {
    const lib = this.#lib;
    const name = searchName(search);
    if (!this.#searches.has(name)) {
      if (search.type === "grammar") {
        this.#provideWords(grammarWords(search.jsgf), "grammar");
        if (lib.ps_set_jsgf_string(this.#decoder, name, search.jsgf) < 0) throw new AsrError("bad_search", "pocketsphinx could not compile the JSGF grammar (check its syntax and that it has a public rule)");
      } else if (search.type === "keywords") {
        if (search.keywords.length === 0) throw new AsrError("bad_search", "keyword spotting needs at least one keyword");
        const phrases = search.keywords.map((k) => k.phrase.trim().toLowerCase().replace(/\s+/g, " "));
        this.#provideWords(phrases.flatMap((p) => p.split(" ")), "keyword list");
        const lines = search.keywords.map((k, i) => `${phrases[i]} /${(k.threshold ?? DEFAULT_KEYWORD_THRESHOLD).toExponential()}/`);
        const file = join(tmpdir(), `parley-kws-${name}.txt`);
        writeFileSync(file, lines.join("\n") + "\n");
        if (lib.ps_set_kws(this.#decoder, name, file) < 0) throw new AsrError("bad_search", "pocketsphinx could not build the keyword search");
      }
      this.#searches.add(name);
    }
    if (lib.ps_set_search(this.#decoder, name) < 0) throw new AsrError("bad_search", `pocketsphinx has no search ${name}`);
  }

  /** Starts an utterance; word times count from here. */
  start(): void {
    // A new stream resets the frame count (without it this version numbers frames across utterances).
    this.#lib.ps_start_stream(this.#decoder);
    if (this.#lib.ps_start_utt(this.#decoder) < 0) throw new AsrError("decoder_failed", "pocketsphinx could not start an utterance");
  }

  /** Decodes more audio (16 kHz). */
  process(samples: Int16Array): void {
    if (this.#lib.ps_process_raw(this.#decoder, samples, samples.length, 0, 0) < 0) throw new AsrError("decoder_failed", "pocketsphinx failed to process audio");
  }

  /** The best hypothesis so far, as text. */
  hypothesis(): string {
    return normalize(this.#lib.ps_get_hyp(this.#decoder, [0]) ?? "");
  }

  /** Ends the utterance and reads the final result. */
  finish(): AsrResult {
    const lib = this.#lib;
    if (lib.ps_end_utt(this.#decoder) < 0) throw new AsrError("decoder_failed", "pocketsphinx could not end the utterance");
    const words: AsrWord[] = [];
    const start = [0];
    const end = [0];
    const unused = [0];
    for (let segment = lib.ps_seg_iter(this.#decoder); segment; segment = lib.ps_seg_next(segment)) {
      const word = baseWord(lib.ps_seg_word(segment));
      if (isFiller(word)) continue;
      lib.ps_seg_frames(segment, start, end);
      const posterior = lib.logmath_exp(this.#logmath, lib.ps_seg_prob(segment, unused, unused, unused));
      words.push({ word: word.toLowerCase(), startMs: start[0]! * FRAME_MS, endMs: (end[0]! + 1) * FRAME_MS, confidence: Math.min(1, Math.max(0, posterior)) });
    }
    // Keyword spotting lists detections latest first.
    words.sort((a, b) => a.startMs - b.startMs);
    const confidence = words.length > 0 ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0;
    return { text: words.map((w) => w.word).join(" "), words, confidence, final: true };
  }

  /** Ends an utterance whose result nobody wants. */
  abandon(): void {
    this.#lib.ps_end_utt(this.#decoder);
  }

  /** Frees the native decoder. */
  free(): void {
    this.#lib.ps_free(this.#decoder);
  }

  /** Finds the live CMN and checks it against the model's -cmninit (see pocketsphinx-cmn.ts). */
  #findCmn(acousticModel: string): LiveCmn | undefined {
    try {
      const match = /-cmninit\s+([-\d.,]+)/.exec(readFileSync(join(acousticModel, "feat.params"), "utf8"));
      return match ? LiveCmn.find(this.#lib, this.#decoder, match[1]!.split(",").map(Number)) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Makes sure the decoder knows `words`, adding those it lacks from the shared dictionary; throws AsrError "unknown_word" for words no dictionary has. */
  #provideWords(words: string[], what: string): void {
    const missing = [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => !this.#lib.ps_lookup_word(this.#decoder, w));
    const unknown = missing.filter((w) => !this.#words || this.#words.lookup(w).length === 0);
    if (unknown.length > 0) throw new AsrError("unknown_word", `${what} words not in the pronunciation dictionary: ${unknown.join(", ")}`);
    for (const word of missing) {
      // In the file's order, so a word's variants follow it as when pocketsphinx reads the file; searches are built after.
      for (const { name, phones } of this.#words!.lookup(word)) {
        if (this.#lib.ps_add_word(this.#decoder, name, phones, 0) < 0) throw new AsrError("decoder_failed", `pocketsphinx could not add the word ${name}`);
      }
    }
  }
}

/** Searches are cached per decoder under a name derived from their content. */
function searchName(search: AsrSearch): string {
  if (search.type === "dictation") return DICTATION_SEARCH;
  const content = search.type === "grammar" ? search.jsgf : JSON.stringify(search.keywords);
  return `${search.type[0]}${createHash("sha1").update(content).digest("hex").slice(0, 16)}`;
}

/** Lower case, single spaces, no pronunciation variants or fillers. */
function normalize(hypothesis: string): string {
  return hypothesis.split(/\s+/).map(baseWord).filter((w) => w && !isFiller(w)).join(" ").toLowerCase();
}
