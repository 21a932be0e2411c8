/** One 20 ms (typically) block of mono 16-bit PCM audio, the unit every stream in Parley carries. */
export interface AudioFrame {
  /** Mono PCM samples; owned by the frame, never mutated after it is emitted. */
  readonly samples: Int16Array;
  /** Samples per second: 8000, 16000, 48000, ... */
  readonly sampleRate: number;
  /** Media time of the first sample, in ms since the session started. */
  readonly timestamp: number;
  /** Frame counter of the stream; gaps are concealed upstream, so consumers see every number. */
  readonly seq: number;
}

/** Duration of a frame in milliseconds. */
export function frameDurationMs(frame: AudioFrame): number {
  return (frame.samples.length * 1000) / frame.sampleRate;
}
