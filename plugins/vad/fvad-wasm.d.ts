// Types for @echogarden/fvad-wasm (libfvad, the WebRTC VAD, built with Emscripten), which ships none.
declare module "@echogarden/fvad-wasm" {
  /** The Emscripten module: libfvad's C API over the module's own memory. */
  export interface FvadModule {
    _fvad_new(): number;
    _fvad_free(handle: number): void;
    _fvad_reset(handle: number): void;
    _fvad_set_mode(handle: number, mode: number): number;
    _fvad_set_sample_rate(handle: number, rate: number): number;
    _fvad_process(handle: number, samples: number, length: number): number;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    /** The module's memory as 16-bit words; replaced when memory grows, so read it afresh. */
    HEAP16: Int16Array;
  }
  /** Instantiates the WASM module. */
  export default function createFvad(options?: Record<string, unknown>): Promise<FvadModule>;
}
