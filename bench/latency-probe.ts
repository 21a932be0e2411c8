import { definePlugin, type Plugin } from "../core/mod.ts";
import { INDEX_KEY, PACKET_MS, T0_KEY } from "./load-protocol.ts";
import { absoluteNow } from "./stats.ts";

/** When each frame of one load stream reached its subscriber. */
export class StreamArrivals {
  /** Absolute arrival time (ms) of frame n, indexed by n; holes where none came. */
  readonly arrivals: number[] = [];
  frames = 0;

  constructor(readonly t0: number) {}

  /** Records a frame by its media timestamp (ms since the stream's first packet). */
  record(timestampMs: number, at: number): void {
    const n = Math.round(timestampMs / PACKET_MS);
    this.frames++;
    this.arrivals[n] ??= at;
  }
}

/**
 * A plugin that subscribes to each load session's 16 kHz audio and notes when every frame arrives,
 * keyed by the stream index in the session's metadata. It does nothing else on the hot path, so
 * the figures are Parley's, plus what any plugin costs.
 */
export function latencyProbe(streams: Map<number, StreamArrivals>): Plugin {
  return definePlugin({
    name: "load-latency-probe",
    version: "1.0.0",
    setup() {
      return (session) => {
        const index = Number(session.info.metadata[INDEX_KEY]);
        const t0 = Number(session.info.metadata[T0_KEY]);
        if (!Number.isInteger(index) || !Number.isFinite(t0)) return;
        const stream = new StreamArrivals(t0);
        streams.set(index, stream);
        return session.audio(16000).subscribe((frame) => stream.record(frame.timestamp, absoluteNow()));
      };
    },
  });
}
