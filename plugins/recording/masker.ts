// PCI masking of a recording's timeline. Stretches of the recording (a paused recording, the voice
// bot collecting an account number, a keypad tone) are written as zeros in both channels, so the
// file keeps its true length. A tone is reported only once it has ended (RFC 4733 sends the end;
// an in-band detector needs the whole tone), when its audio has already been laid out: the masker
// holds the last `holdFrames` of the recording back from the file, so a stretch may begin that far
// in the past and the tone's audio is still zeroed before it reaches the disk.

/** Why a stretch of a recording is masked: a pause asked for by the API, the voice bot collecting a number, a keypad tone. */
export type MaskReason = "api" | "voicebot.collect" | "dtmf";

/** A masked stretch of the recording, in sample frames from its start; `end` is Infinity while it lasts. */
export interface MaskSpan {
  readonly reason: MaskReason;
  start: number;
  end: number;
}

/** Holds interleaved audio back by `holdFrames`, then passes it on with the masked stretches zeroed. */
export class Masker {
  readonly #held: Int16Array[] = [];
  #heldFrames = 0;
  /** Frames passed on so far: a stretch cannot begin before this. */
  #released = 0;
  /** Stretches not yet wholly passed on. */
  #active: MaskSpan[] = [];

  /**
   * @param channels samples per frame of the interleaved audio
   * @param holdFrames how far back (in frames) a stretch may begin: what is held from the file
   * @param output receives each block of interleaved samples, masked stretches zeroed
   */
  constructor(readonly channels: number, readonly holdFrames: number, readonly output: (interleaved: Int16Array) => void) {}

  /** Frames received so far: the recording's "now" for what was laid out. */
  get position(): number {
    return this.#released + this.#heldFrames;
  }

  /** The earliest frame a stretch can still begin at. */
  get earliest(): number {
    return this.#released;
  }

  /** Interleaved audio of the recording (kept by reference and zeroed in place where masked). */
  push(interleaved: Int16Array): void {
    if (interleaved.length === 0) return;
    this.#held.push(interleaved);
    this.#heldFrames += interleaved.length / this.channels;
    this.#release(this.#heldFrames - this.holdFrames);
  }

  /** Masks from frame `start` (clamped to `earliest`) to `end` (Infinity: until `close`); returns the stretch as kept. */
  mask(reason: MaskReason, start: number, end = Infinity): MaskSpan {
    const from = Math.max(Math.round(start), this.#released);
    const span: MaskSpan = { reason, start: from, end: Math.max(from, Math.round(end)) };
    this.#active.push(span);
    return span;
  }

  /** Ends an open stretch at frame `end` (never before its start). */
  close(span: MaskSpan, end: number): void {
    span.end = Math.max(span.start, this.#released, Math.round(end));
  }

  /** Passes on everything held (the recording's end). */
  drain(): void {
    this.#release(this.#heldFrames);
  }

  #release(frames: number): void {
    let left = Math.floor(frames);
    while (left > 0 && this.#held.length > 0) {
      const chunk = this.#held[0]!;
      const chunkFrames = chunk.length / this.channels;
      const part = left >= chunkFrames ? chunk : chunk.subarray(0, left * this.channels);
      const partFrames = part.length / this.channels;
      if (part === chunk) this.#held.shift();
      else this.#held[0] = chunk.subarray(part.length);
      this.#zero(part, this.#released);
      this.#released += partFrames;
      this.#heldFrames -= partFrames;
      left -= partFrames;
      this.output(part);
    }
    this.#active = this.#active.filter((span) => span.end > this.#released);
  }

  /** Zeroes the frames of `block` (which begins at frame `from`) that a stretch covers. */
  #zero(block: Int16Array, from: number): void {
    const to = from + block.length / this.channels;
    for (const span of this.#active) {
      const start = Math.max(span.start, from);
      const end = Math.min(span.end, to);
      if (end > start) block.fill(0, (start - from) * this.channels, (end - from) * this.channels);
    }
  }
}
