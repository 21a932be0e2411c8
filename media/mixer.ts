// An N-party audio mixer, as conference bridges do it (FreeSWITCH mod_conference, Asterisk
// bridge_softmix): every member's frame is summed once in 32 bits and each listener gets the sum
// minus its own signal (mix-minus), so a tick costs O(N) rather than O(N^2). A hear matrix makes
// the exceptions coaching needs: a supervisor in listen mode is heard by nobody, in whisper mode by
// the agent alone. Only speakers with such exceptions ("private" speakers) are added listener by
// listener; everyone else is in the common sum. The sum is clamped to 16 bits, so full-scale
// speakers together saturate instead of wrapping around into loud noise.

/** One participant's place in the mixer. */
interface Member {
  readonly id: string;
  /** What this member hears this tick; valid until the next `mix`. */
  readonly output: Int16Array;
  /** Listeners that do not hear this member besides itself: empty for a member everybody hears. */
  readonly unheardBy: Set<string>;
}

/** Mixes the frames of N participants at one rate so that each hears everyone it may, minus itself. */
export class AudioMixer {
  readonly #members = new Map<string, Member>();
  readonly #total: Int32Array;
  /** One listener's sum before it is clamped. */
  readonly #work: Int32Array;

  /** A mixer of frames of `frameSamples` samples (every participant at the same rate). */
  constructor(readonly frameSamples: number) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) throw new RangeError(`frameSamples must be a positive integer, got ${frameSamples}`);
    this.#total = new Int32Array(frameSamples);
    this.#work = new Int32Array(frameSamples);
  }

  /** Participants, in the order they were added. */
  get participants(): string[] {
    return [...this.#members.keys()];
  }

  /** Adds a participant who hears and is heard by everyone (until `setHears` says otherwise). */
  add(id: string): void {
    if (this.#members.has(id)) throw new Error(`${id} is already in the mix`);
    this.#members.set(id, { id, output: new Int16Array(this.frameSamples), unheardBy: new Set() });
  }

  /** Removes a participant and every exception that named it. */
  remove(id: string): void {
    this.#members.delete(id);
    for (const member of this.#members.values()) member.unheardBy.delete(id);
  }

  /** Whether `listener` hears `speaker` (a participant never hears itself). */
  hears(listener: string, speaker: string): boolean {
    const member = this.#member(speaker);
    this.#member(listener);
    return listener !== speaker && !member.unheardBy.has(listener);
  }

  /** Lets `listener` hear `speaker`, or not: how listen, whisper and barge are made. */
  setHears(listener: string, speaker: string, hears: boolean): void {
    const member = this.#member(speaker);
    this.#member(listener);
    if (listener === speaker) return;
    if (hears) member.unheardBy.delete(listener);
    else member.unheardBy.add(listener);
  }

  /**
   * Mixes one tick. `inputs` holds each speaking participant's frame (`frameSamples` long; a
   * participant without one is silent). Returns what each participant hears, in buffers the mixer
   * reuses: valid until the next call, so copy what must be kept.
   */
  mix(inputs: ReadonlyMap<string, Int16Array>): ReadonlyMap<string, Int16Array> {
    const n = this.frameSamples;
    for (const [id, frame] of inputs) {
      if (frame.length !== n) throw new RangeError(`${id}'s frame has ${frame.length} samples, not ${n}`);
    }
    const total = this.#total;
    total.fill(0);
    const privateSpeakers: Member[] = [];
    for (const member of this.#members.values()) {
      const frame = inputs.get(member.id);
      if (!frame) continue;
      if (member.unheardBy.size > 0) {
        privateSpeakers.push(member);
        continue;
      }
      addInto(total, frame);
    }
    const outputs = new Map<string, Int16Array>();
    const work = this.#work;
    for (const listener of this.#members.values()) {
      // One simple pass per term (the common sum, minus its own frame, plus each private speaker it
      // hears), which the JIT turns into tight loops; a loop over the terms per sample cost 5x more.
      const own = listener.unheardBy.size === 0 ? inputs.get(listener.id) : undefined;
      let sum = total;
      for (const speaker of privateSpeakers) {
        if (speaker === listener || speaker.unheardBy.has(listener.id)) continue;
        if (sum === total) {
          work.set(total);
          sum = work;
        }
        addInto(work, inputs.get(speaker.id)!);
      }
      if (own) subtractClamped(sum, own, listener.output);
      else clamp(sum, listener.output);
      outputs.set(listener.id, listener.output);
    }
    return outputs;
  }

  #member(id: string): Member {
    const member = this.#members.get(id);
    if (!member) throw new Error(`${id} is not in the mix`);
    return member;
  }
}

/** sum += frame, sample by sample. */
function addInto(sum: Int32Array, frame: Int16Array): void {
  for (let i = 0; i < sum.length; i++) sum[i]! += frame[i]!;
}

/** out = sum clamped to 16 bits. */
function clamp(sum: Int32Array, out: Int16Array): void {
  for (let i = 0; i < sum.length; i++) {
    const value = sum[i]!;
    out[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
}

/** out = (sum - own) clamped to 16 bits: mix-minus in one pass. */
function subtractClamped(sum: Int32Array, own: Int16Array, out: Int16Array): void {
  for (let i = 0; i < sum.length; i++) {
    const value = sum[i]! - own[i]!;
    out[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
}
