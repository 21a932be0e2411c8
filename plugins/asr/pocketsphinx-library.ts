// The C API of pocketsphinx 0.8 / 5prealpha (Debian's libpocketsphinx.so.3 with sphinxbase),
// declared through koffi. Loaded only inside the recognition worker: every call here is
// synchronous native work.
import koffi from "koffi";

/** Opaque C pointers. */
export type Pointer = unknown;

/** The functions Parley uses, bound to the loaded libraries. */
export interface PocketsphinxLibrary {
  ps_args(): Pointer;
  cmd_ln_parse_r(inout: Pointer, definitions: Pointer, argc: number, argv: string[], strict: number): Pointer;
  cmd_ln_free_r(config: Pointer): number;
  ps_init(config: Pointer): Pointer;
  ps_free(decoder: Pointer): number;
  ps_get_logmath(decoder: Pointer): Pointer;
  logmath_exp(logmath: Pointer, value: number): number;
  ps_lookup_word(decoder: Pointer, word: string): string | null;
  ps_add_word(decoder: Pointer, word: string, phones: string, update: number): number;
  ps_get_config(decoder: Pointer): Pointer;
  ngram_model_read(config: Pointer, path: string, type: number, logmath: Pointer): Pointer;
  ngram_model_free(model: Pointer): number;
  ps_set_lm(decoder: Pointer, name: string, model: Pointer): number;
  ps_set_search(decoder: Pointer, name: string): number;
  ps_get_search(decoder: Pointer): string | null;
  ps_set_jsgf_string(decoder: Pointer, name: string, jsgf: string): number;
  ps_set_kws(decoder: Pointer, name: string, keyfile: string): number;
  ps_start_stream(decoder: Pointer): number;
  ps_start_utt(decoder: Pointer): number;
  ps_process_raw(decoder: Pointer, samples: Int16Array, count: number, noSearch: number, fullUtterance: number): number;
  ps_end_utt(decoder: Pointer): number;
  ps_get_n_frames(decoder: Pointer): number;
  ps_get_hyp(decoder: Pointer, score: number[]): string | null;
  ps_seg_iter(decoder: Pointer): Pointer;
  ps_seg_next(segment: Pointer): Pointer;
  ps_seg_word(segment: Pointer): string;
  ps_seg_frames(segment: Pointer, start: number[], end: number[]): void;
  ps_seg_prob(segment: Pointer, acoustic: number[], language: number[], backoff: number[]): number;
  ps_seg_free(segment: Pointer): void;
  ps_get_feat(decoder: Pointer): Pointer;
  cmn_live_get(cmn: Pointer, mean: Float32Array): void;
  cmn_live_set(cmn: Pointer, mean: Float32Array): void;
  /** Reads the pointer stored `offset` bytes into a C struct. */
  readPointer(struct: Pointer, offset: number): Pointer;
  /** Reads a 32-bit integer `offset` bytes into a C struct. */
  readInt32(struct: Pointer, offset: number): number;
  /** Writes a 32-bit integer `offset` bytes into a C struct. */
  writeInt32(struct: Pointer, offset: number, value: number): void;
  /** Reads `count` floats from a C array. */
  readFloats(array: Pointer, count: number): Float32Array;
  /** Writes floats into a C array. */
  writeFloats(array: Pointer, values: Float32Array): void;
}

/** Where Debian installs the libraries; plain names let the dynamic linker search its own paths. */
export const LIBRARY_NAMES = { pocketsphinx: "libpocketsphinx.so.3", sphinxbase: "libsphinxbase.so.3" } as const;

/** Loads the libraries and binds the functions; throws with the linker's message when they are missing. */
export function loadPocketsphinx(names: { pocketsphinx: string; sphinxbase: string } = LIBRARY_NAMES): PocketsphinxLibrary {
  const ps = koffi.load(names.pocketsphinx);
  const sb = koffi.load(names.sphinxbase);
  return {
    ps_args: ps.func("void *ps_args()"),
    cmd_ln_parse_r: sb.func("void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)"),
    cmd_ln_free_r: sb.func("int cmd_ln_free_r(void *config)"),
    ps_init: ps.func("void *ps_init(void *config)"),
    ps_free: ps.func("int ps_free(void *ps)"),
    ps_get_logmath: ps.func("void *ps_get_logmath(void *ps)"),
    logmath_exp: sb.func("double logmath_exp(void *lmath, int p)"),
    ps_lookup_word: ps.func("const char *ps_lookup_word(void *ps, const char *word)"),
    ps_add_word: ps.func("int ps_add_word(void *ps, const char *word, const char *phones, int update)"),
    ps_get_config: ps.func("void *ps_get_config(void *ps)"),
    ngram_model_read: sb.func("void *ngram_model_read(void *config, const char *file_name, int file_type, void *lmath)"),
    ngram_model_free: sb.func("int ngram_model_free(void *model)"),
    ps_set_lm: ps.func("int ps_set_lm(void *ps, const char *name, void *lm)"),
    ps_set_search: ps.func("int ps_set_search(void *ps, const char *name)"),
    ps_get_search: ps.func("const char *ps_get_search(void *ps)"),
    ps_set_jsgf_string: ps.func("int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)"),
    ps_set_kws: ps.func("int ps_set_kws(void *ps, const char *name, const char *keyfile)"),
    ps_start_stream: ps.func("int ps_start_stream(void *ps)"),
    ps_start_utt: ps.func("int ps_start_utt(void *ps)"),
    ps_process_raw: ps.func("int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)"),
    ps_end_utt: ps.func("int ps_end_utt(void *ps)"),
    ps_get_n_frames: ps.func("int ps_get_n_frames(void *ps)"),
    ps_get_hyp: ps.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)"),
    ps_seg_iter: ps.func("void *ps_seg_iter(void *ps)"),
    ps_seg_next: ps.func("void *ps_seg_next(void *seg)"),
    ps_seg_word: ps.func("const char *ps_seg_word(void *seg)"),
    ps_seg_frames: ps.func("void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)"),
    ps_seg_prob: ps.func("int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)"),
    ps_seg_free: ps.func("void ps_seg_free(void *seg)"),
    ps_get_feat: ps.func("void *ps_get_feat(void *ps)"),
    cmn_live_get: sb.func("void cmn_live_get(void *cmn, _Out_ float *vec)"),
    cmn_live_set: sb.func("void cmn_live_set(void *cmn, const float *vec)"),
    readPointer: (struct: Pointer, offset: number) => koffi.decode(struct, offset, "void *"),
    readInt32: (struct: Pointer, offset: number) => koffi.decode(struct, offset, "int32_t"),
    writeInt32: (struct: Pointer, offset: number, value: number) => koffi.encode(struct, offset, "int32_t", value),
    readFloats: (array: Pointer, count: number) => Float32Array.from(koffi.decode(array, 0, koffi.array("float", count)) as number[]),
    writeFloats: (array: Pointer, values: Float32Array) => koffi.encode(array, 0, koffi.array("float", values.length), Array.from(values)),
  } as PocketsphinxLibrary;
}
