// Keys pressed in the caller's audio itself (in-band DTMF, media/dtmf-detector.ts), placed on the
// recording's timeline. The caller's channel is not one straight run of samples: the aligner puts
// silence where their packets paused, so each block of samples keeps where it landed.
import { type InbandDtmf, InbandDtmfDetector } from "../../media/dtmf-detector.ts";

/** A key tone in the recording: frames [start, end) of its timeline. */
export interface KeyTone {
  digit: string;
  start: number;
  end: number;
}

/** How much of the caller's audio keeps its place, s: more than any key lasts before the detector reports it. */
const PLACES_KEPT_S = 5;

/**
 * Runs two seconds of key tones through a detector, so the engine compiles its loops at the
 * plugin's start: the first blocks of the first call otherwise take milliseconds each, a stall on
 * the caller's audio path that a call's first packets feel.
 */
export function warmUpKeyDetection(sampleRate: number): void {
  const detector = new InbandDtmfDetector(sampleRate);
  const block = new Int16Array(sampleRate / 50);
  for (let frame = 0; frame < 100; frame++) {
    for (let i = 0; i < block.length; i++) {
      const t = (frame * block.length + i) / sampleRate;
      block[i] = frame % 10 < 5 ? 6000 * (Math.sin(2 * Math.PI * 770 * t) + Math.sin(2 * Math.PI * 1336 * t)) : 0;
    }
    detector.push(block);
  }
}

/** Finds key tones in the caller's audio as it is laid on the recording's timeline. */
export class CallerKeyTones {
  readonly #detector: InbandDtmfDetector;
  /** Where recent blocks of samples landed: the detector's index of their first sample, and its frame in the timeline. */
  readonly #places: { sample: number; frame: number; length: number }[] = [];
  #samples = 0;

  constructor(readonly sampleRate: number) {
    this.#detector = new InbandDtmfDetector(sampleRate);
  }

  /** The caller's samples, landing at frame `frame` of the timeline; returns the tones that ended in them. */
  push(samples: Int16Array, frame: number): KeyTone[] {
    this.#places.push({ sample: this.#samples, frame, length: samples.length });
    this.#samples += samples.length;
    while (this.#places.length > 1 && this.#places[0]!.sample + this.#places[0]!.length < this.#samples - PLACES_KEPT_S * this.sampleRate) this.#places.shift();
    return this.#detector.push(samples).map((key) => this.#place(key));
  }

  /** The tone still sounding at the end of the call, if any. */
  flush(): KeyTone | undefined {
    const key = this.#detector.flush();
    return key && this.#place(key);
  }

  #place(key: InbandDtmf): KeyTone {
    return { digit: key.digit, start: this.#frameOf(key.startSample), end: this.#frameOf(key.endSample) };
  }

  /** The timeline frame of the detector's sample `index` (from the block that holds it, or the nearest kept). */
  #frameOf(index: number): number {
    const place = this.#places.findLast((candidate) => candidate.sample <= index) ?? this.#places[0]!;
    return place.frame + (index - place.sample);
  }
}
