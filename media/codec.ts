/** Codec names Parley understands, as used in SDP rtpmap (lower case). */
export type CodecName = "opus" | "pcmu" | "pcma" | "l16";

/** Turns RTP payloads into PCM; stateful (one instance per stream). */
export interface AudioDecoder {
  /** Rate of the PCM this decoder produces. */
  readonly sampleRate: number;
  /** Decodes one payload to mono PCM at `sampleRate`. Throws on a corrupt payload. */
  decode(payload: Uint8Array): Int16Array;
  /** Produces `samples` samples standing in for a lost packet (PLC, or a fade towards silence). */
  conceal(samples: number): Int16Array;
}

/** Turns PCM into RTP payloads; stateful (one instance per stream). */
export interface AudioEncoder {
  /** Rate of the PCM this encoder expects. */
  readonly sampleRate: number;
  /** Encodes one frame of mono PCM at `sampleRate`. */
  encode(samples: Int16Array): Uint8Array;
  /**
   * Names the encoder's settings, for encoders costly enough that calls should share the encoding
   * of a frame they all send (a cached prompt): two encoders with the same profile produce packets
   * a decoder of either's stream takes. Cheap stateless encoders leave it out.
   */
  readonly profile?: string;
}
