// What the WebAssembly kernel modules (the resampler's, the feature extractor's) share: loading
// an embedded module, growing its memory and aligning the vectors placed in it.

const PAGE_BYTES = 65536;

/** Instantiates a module embedded as base64; synchronous, which kernels this small allow on any thread. */
export function instantiateEmbedded<Exports>(base64: string): Exports {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
}

/** Grows `memory` to at least `bytes`. Growing replaces its buffer, and with it every view of the old one. */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
}

/** Rounds a byte address up to a cache line, where vectors load fastest. */
export function alignToCacheLine(address: number): number {
  return Math.ceil(address / 64) * 64;
}
