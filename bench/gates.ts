// Performance gates: each bounds a task's time per call as a ratio of a baseline measured in the
// same run, so the gates hold on fast and slow machines alike and only a change in the code (not
// in the machine) moves them. Limits are generous enough for a noisy 2-core CI runner.

/** Which of a task's per-call times a gate compares. */
export type GateStatistic = "mean" | "p50";

/** A task's per-call times, in any unit (the same for every task). */
export interface TaskTimes {
  readonly mean: number;
  readonly p50: number;
}

/** A limit on one task's time relative to a baseline task's. */
export interface Gate {
  readonly task: string;
  readonly baseline: string;
  /** Highest allowed ratio task / baseline. */
  readonly limit: number;
  /**
   * The mean unless said otherwise; the median for paths whose mean swings with garbage
   * collection and other load far more than the code could move it.
   */
  readonly statistic?: GateStatistic;
  /** What a failure would mean. */
  readonly why: string;
}

/** A gate's outcome, as bench/results.json records it. */
export interface GateResult {
  readonly name: string;
  /** Measured ratio, or null when either task has no valid measurement (which fails the gate). */
  readonly value: number | null;
  readonly limit: number;
  readonly pass: boolean;
}

/** libopus decoding one 20 ms packet at 48 kHz: the unit of work every gate is measured in. */
export const BASELINE = "opus.decode.48k";

/** The gates `npm run bench` enforces. */
export const GATES: readonly Gate[] = [
  { task: "ingest.opus.16k", baseline: BASELINE, limit: 1.25, why: "the ingest path around the decoder costs more than a quarter of a decode" },
  { task: "opus.decode.16k", baseline: BASELINE, limit: 1.1, why: "decoding straight to 16 kHz stopped being cheaper than at 48 kHz" },
  { task: "rtp.parse.opus", baseline: BASELINE, limit: 0.05, why: "RTP parsing got heavy (copying, allocating per packet)" },
  { task: "rtp.parse.pcmu", baseline: BASELINE, limit: 0.05, why: "RTP parsing got heavy (copying, allocating per packet)" },
  { task: "jitter.push-release", baseline: BASELINE, limit: 0.05, why: "the in-order jitter buffer path got heavy" },
  { task: "g711.decode.160", baseline: BASELINE, limit: 0.15, why: "G.711 decoding lost its table lookup" },
  // Issue 11: the resampler (65 dB, WebAssembly SIMD) against the 16 kHz Opus decode it sits
  // beside on the same calls. Measured per frame on a quiet machine, Node 20 and Deno 2 alike:
  // 8 to 16 kHz 0.12-0.14 of that decode, 48 to 16 kHz 0.34-0.45, PCMU ingest to 16 kHz
  // 0.28-0.34; a loaded 2-core machine has doubled any of them in a single run.
  { task: "resample.8k-16k", baseline: "opus.decode.16k", limit: 0.3, why: "8 to 16 kHz resampling costs more than 0.3 of a 16 kHz Opus decode (its SIMD kernel or the staging around it got slower)" },
  { task: "resample.48k-16k", baseline: "opus.decode.16k", limit: 1.0, why: "48 to 16 kHz resampling costs more than a 16 kHz Opus decode (its SIMD kernel or the staging around it got slower)" },
  // On medians: each PCMU frame allocates two fresh arrays (the decoded 8 kHz frame and the 16 kHz
  // one subscribers may keep), and collecting them makes the mean swing from 0.3 to 0.65 between
  // runs of the same code while the median stays at 0.3-0.4.
  { task: "ingest.pcmu.16k", baseline: "opus.decode.16k", limit: 0.5, statistic: "p50", why: "the PCMU ingest path to 16 kHz (G.711 decode and the 8 to 16 kHz resampler) costs more than half a 16 kHz Opus decode" },
  // Issue 5: the shared features plus the emotion, deepfake and biometrics plugins on one call
  // must not halve the number of calls a core carries. Issue 11: only frames that may be speech
  // are analysed as they come; measured 0.26-0.56 on a loaded 2-core machine (Node 20, Deno 2).
  { task: "analytics.frame", baseline: BASELINE, limit: 1.0, why: "per-call analytics (features + emotion + deepfake + biometrics) cost more than an Opus decode per frame on a conversation" },
  // A caller who is not speaking costs the analytics a level measurement per frame: measured
  // 0.08-0.15 of a 16 kHz Opus decode on a quiet line and on a noisy room, same machine.
  { task: "analytics.frame.silence", baseline: "opus.decode.16k", limit: 0.3, why: "the analytics analyse silence (pitch, FFT, cepstra) instead of only measuring its level" },
  { task: "analytics.frame.noise", baseline: "opus.decode.16k", limit: 0.3, why: "the analytics analyse steady background noise (pitch, FFT, cepstra) instead of only measuring its level" },
  // Issue 14: recording adds at most half a 16 kHz Opus decode per frame. The frame's share on the
  // event loop through a real Recorder (stereo alignment, the keypad-tone detector, the masking
  // lookback) measured 0.24-0.26 (medians of runs interleaved with the decode), and 0.17-0.33 in
  // full quick runs on a quiet machine (one run before the suite moved ahead of the servers' 0.51); an encrypted recording's seal of each 250 ms flush adds 25-62 us of
  // event-loop time (the report's `recording` figures), 2-5 us per frame, 0.06-0.15 of the decode,
  // which this frame-path gate cannot see: the budget of half a decode is its limit. The
  // median, and a new recorder every 5 s in the bench: a synchronous bench never lets a flush finish,
  // so the batches would pile up for the collector in a way no running server lets them.
  { task: "recording.frame", baseline: "opus.decode.16k", limit: 0.5, statistic: "p50", why: "recording a frame (stereo alignment, keypad-tone detection, masking) costs more than half a 16 kHz Opus decode, the budget of issue 14" },
  // Every caller the voice bot speaks to costs an encode per frame: 13-14 decodes at the call
  // encoder's complexity 5, 27 at libopus's default 10.
  { task: "opus.encode.call", baseline: "opus.decode.16k", limit: 20, why: "encoding a call's outbound frame got dearer (the encoder's complexity went back up?)" },
  // A prompt said before (the voice bot's greeting, a reprompt) goes to the next caller as the
  // packets the first caller's encoder made: a lookup, not an encode.
  { task: "opus.encode.prompt", baseline: "opus.decode.16k", limit: 0.1, why: "a cached prompt's frames are encoded again for each caller (their shared encodings are lost?)" },
  // Issue 15: a conference tick of ten 16 kHz participants (one whispering supervisor), what each
  // hears mixed: measured 1.1-2.6 decodes (0.11-0.26 per participant) on a 2-core machine loaded
  // by other work; the mix is plain 32-bit JavaScript loops, one pass per term.
  { task: "mixer.tick.10", baseline: "opus.decode.16k", limit: 4, why: "mixing a ten-party conference tick costs more than 0.4 of a 16 kHz Opus decode per participant" },
  // Issue 11: the product as `npm start` ships it (every default plugin on one Opus call), per
  // frame, against the bare decode of the same frame: a speaking caller at most 5 decodes, a
  // silent one at most 2. A default plugin added later is measured here without a change.
  { task: "product.speech", baseline: "opus.decode.16k", limit: 5.0, why: "the default plugin set costs more than five Opus decodes per frame of a speaking caller" },
  { task: "product.silence", baseline: "opus.decode.16k", limit: 2.0, why: "the default plugin set costs more than two Opus decodes per frame of a silent caller" },
  { task: "product.noise", baseline: "opus.decode.16k", limit: 2.5, why: "the default plugin set works on background noise as if it were speech" },
  // werift's side of a WebRTC packet (SRTP unprotect, its RTP parse, router and receiver) costs
  // about as much as Parley's whole plain RTP ingest on Node and more on Deno: the median ratio
  // is 2.0 to 2.1 on Node and 2.5 to 2.8 on Deno. Its allocations make the mean swing from 2 to 6.
  {
    task: "webrtc.ingest.opus.16k",
    baseline: "ingest.opus.16k",
    limit: 3.5,
    statistic: "p50",
    why: "the WebRTC inbound path (werift's SRTP and routing, or WebRtcEndpoint) got heavier against plain RTP ingest",
  },
  // Issue 16: with the mediasoup edge, SRTP and routing run in its C++ workers and the event loop
  // sees plain RTP from loopback, so a WebRTC packet must cost Parley what a plain one does, and
  // well under half of what it costs on werift. Medians, as for werift's gate.
  {
    task: "webrtc.ingest.opus.16k.mediasoup",
    baseline: "ingest.opus.16k",
    limit: 1.2,
    statistic: "p50",
    why: "a WebRTC packet on the mediasoup edge costs the event loop more than a plain RTP packet",
  },
  {
    task: "webrtc.ingest.opus.16k.mediasoup",
    baseline: "webrtc.ingest.opus.16k",
    limit: 0.6,
    statistic: "p50",
    why: "the mediasoup edge no longer spares the event loop most of werift's per-packet work",
  },
];

/** The gate's name in reports: the ratio it bounds, marked when it compares medians. */
export function gateName(gate: Gate): string {
  return `${gate.task} / ${gate.baseline}${gate.statistic === "p50" ? " (p50)" : ""}`;
}

/** Evaluates `gates`, in order, against the per-call times of each task. */
export function evaluateGates(gates: readonly Gate[], timesByTask: ReadonlyMap<string, TaskTimes>): GateResult[] {
  return gates.map((gate) => {
    const statistic = gate.statistic ?? "mean";
    const task = timesByTask.get(gate.task)?.[statistic];
    const baseline = timesByTask.get(gate.baseline)?.[statistic];
    const valid = task !== undefined && baseline !== undefined && Number.isFinite(task) && Number.isFinite(baseline) && task >= 0 && baseline > 0;
    const ratio = valid ? task / baseline : null;
    return {
      name: gateName(gate),
      value: ratio === null ? null : Math.round(ratio * 1e4) / 1e4,
      limit: gate.limit,
      pass: ratio !== null && ratio <= gate.limit,
    };
  });
}
