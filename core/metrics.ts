import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from "prom-client";
import { AggregatedCounter } from "./aggregated-counter.ts";
import { ParleyError } from "./errors.ts";

/** What a plugin may do with the server's metrics: add its own, get-or-create, on the server's registry. */
export interface PluginMetrics {
  readonly registry: Registry;
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect?: (gauge: Gauge<L>) => void | Promise<void>): Gauge<L>;
  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets?: number[]): Histogram<L>;
}

/** prom-client's default histogram buckets, the ones a histogram asked for without buckets gets. */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Buckets for per-packet and per-frame work: 2 µs to 20 ms. */
const FAST_SECONDS = [2e-6, 5e-6, 1e-5, 2e-5, 3e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 2e-2];

/**
 * Every metric the server exports, on a registry of its own (so several servers, or a server
 * inside the user's app, never collide). Names follow Prometheus conventions with `parley_`.
 */
export class Metrics implements PluginMetrics {
  readonly registry = new Registry();
  readonly sessionsActive = this.#gauge("parley_sessions_active", "Sessions in progress", ["transport", "codec"]);
  readonly sessionsTotal = this.#counter("parley_sessions_total", "Sessions started", ["transport", "codec"]);
  readonly sessionsRefused = this.#counter("parley_sessions_refused_total", "Sessions refused at opening by a plugin that cannot serve them now (its shared state out of reach)", ["plugin"]);
  readonly sessionsEnded = this.#counter("parley_sessions_ended_total", "Sessions ended, by reason", ["transport", "reason"]);
  readonly rtpReceived = this.#counter("parley_rtp_packets_received_total", "RTP packets accepted into a session", ["transport"]);
  readonly rtpLost = this.#counter("parley_rtp_packets_lost_total", "RTP packets never received (concealed)", ["transport"]);
  readonly rtpLate = this.#counter("parley_rtp_packets_late_total", "RTP packets that arrived after their play-out time", ["transport"]);
  readonly rtpDuplicate = this.#counter("parley_rtp_packets_duplicate_total", "Duplicate RTP packets dropped", ["transport"]);
  readonly rtpDiscarded = this.#counter("parley_rtp_packets_discarded_total", "Packets dropped before a session, by reason", ["transport", "reason"]);
  readonly rtpSent = this.#counter("parley_rtp_packets_sent_total", "RTP packets sent", ["transport"]);
  readonly rtcpReceived = this.#counter("parley_rtcp_packets_received_total", "RTCP packets received, by type", ["type"]);
  readonly rtcpSent = this.#counter("parley_rtcp_packets_sent_total", "RTCP compound packets sent", []);
  readonly jitter = new Histogram({
    name: "parley_rtp_jitter_seconds",
    help: "RFC 3550 interarrival jitter of inbound streams, sampled at each RTCP report",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16],
    registers: [this.registry],
  });
  readonly jitterBufferDelay = new Histogram({
    name: "parley_jitter_buffer_target_delay_seconds",
    help: "Adaptive jitter buffer target delay, sampled at each RTCP report",
    buckets: [0, 0.005, 0.01, 0.02, 0.03, 0.04, 0.08],
    registers: [this.registry],
  });
  readonly iceConnectSeconds = new Histogram({
    name: "parley_webrtc_ice_connect_seconds",
    help: "WebRTC: from the WHIP offer to ICE connected",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly dtlsConnectSeconds = new Histogram({
    name: "parley_webrtc_dtls_connect_seconds",
    help: "WebRTC: from ICE connected to the DTLS handshake done",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly webSocketRejected = this.#counter("parley_websocket_messages_rejected_total", "WebSocket media messages rejected, by reason", ["transport", "reason"]);
  readonly framesDecoded = this.#counter("parley_frames_decoded_total", "Audio frames decoded", ["codec"]);
  readonly framesConcealed = this.#counter("parley_frames_concealed_total", "Audio frames synthesised for lost packets", ["codec"]);
  readonly ingestSeconds = new Histogram({
    name: "parley_ingest_seconds",
    help: "Hot path time per inbound RTP packet: socket to the last subscriber's return (one packet in 16 is timed)",
    buckets: FAST_SECONDS,
    registers: [this.registry],
  });
  readonly pluginErrors = this.#counter("parley_plugin_errors_total", "Errors thrown by plugins (contained)", ["plugin"]);
  readonly pluginFrameSeconds = new Histogram({
    name: "parley_plugin_frame_seconds",
    help: "Main-thread time a plugin (or a shared stream such as dsp.features) spends on one audio frame, its own work only (one frame in 16 is timed)",
    labelNames: ["plugin"],
    buckets: FAST_SECONDS,
    registers: [this.registry],
  });
  readonly events = this.#counter("parley_events_total", "Session events emitted, by type", ["type"]);
  readonly httpRequests = this.#counter("parley_http_requests_total", "HTTP API requests, by route and status", ["route", "status"]);
  readonly slowClientsDropped = this.#counter("parley_slow_clients_dropped_total", "Event-stream and WebSocket clients dropped for not reading what was sent to them", ["channel"]);
  readonly webSocketDropped = this.#counter("parley_websocket_connections_dropped_total", "WebSocket connections Parley closed itself: idle, slow_client, no_start", ["transport", "reason"]);
  readonly iceCandidatesRefused = this.#counter("parley_webrtc_candidates_refused_total", "ICE candidates of peers that Parley will not check: broadcast, multicast or unspecified addresses, or past the cap", ["reason"]);
  readonly memoryReleases = this.#counter("parley_memory_releases_total", "Times freed C-heap memory was given back to the system (glibc malloc_trim, run while RSS is above its low point)", []);
  readonly memoryReleasedBytes = this.#counter("parley_memory_released_bytes_total", "Resident memory given back by those releases (RSS before less after)", []);
  readonly unhandledErrors = this.#counter("parley_unhandled_errors_total", "Errors that escaped every handler (kept from crashing the process)", []);
  readonly #lag = this.#watchEventLoop();
  readonly eventLoopLag = new Gauge({
    name: "parley_event_loop_lag_seconds",
    help: "Event-loop delay, 99th percentile since the last scrape",
    registers: [this.registry],
    collect: (() => {
      const lag = this.#lag;
      return function (this: Gauge) {
        this.set(lag.takeSeconds());
      };
    })(),
  });

  constructor() {
    try {
      collectDefaultMetrics({ register: this.registry });
    } catch {
      // Some runtimes lack a few process probes; the rest of the metrics still work.
    }
  }

  /** Stops the event-loop probe (the server calls this on close). */
  close(): void {
    this.#lag.stop();
  }

  /** A plugin's counter on this registry: created by the first call, the same counter on later calls with that name and labels. */
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return this.#existing(name, "counter", labelNames) ?? this.#counter(name, help, labelNames);
  }

  /** A plugin's gauge, get-or-create like `counter`; `collect` sets its value at each scrape. */
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect?: (gauge: Gauge<L>) => void | Promise<void>): Gauge<L> {
    return this.#existing(name, "gauge", labelNames) ??
      new Gauge<L>({ name, help, labelNames, registers: [this.registry], collect: collect && function (this: Gauge<L>) { return collect(this); } });
  }

  /** A plugin's histogram, get-or-create like `counter`; the same buckets are part of asking for the same one. */
  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[] = DEFAULT_BUCKETS): Histogram<L> {
    return this.#existing(name, "histogram", labelNames, buckets) ?? new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** The metric registered under `name` when it has the shape asked for; a coded error when it has another. */
  #existing<M>(name: string, kind: "counter" | "gauge" | "histogram", labelNames: string[], buckets?: number[]): M | undefined {
    const metric = this.registry.getSingleMetric(name) as (Metric & { labelNames?: string[]; upperBounds?: number[] }) | undefined;
    if (!metric) return undefined;
    const existingKind = metric instanceof Counter ? "counter" : metric instanceof Gauge ? "gauge" : metric instanceof Histogram ? "histogram" : "another kind";
    const shape = (k: string, labels: string[], bounds?: number[]) => `${k} {${[...labels].sort().join(",")}}${bounds ? ` [${bounds.join(",")}]` : ""}`;
    const have = shape(existingKind, metric.labelNames ?? [], kind === "histogram" ? metric.upperBounds : undefined);
    const want = shape(kind, labelNames, buckets);
    if (have !== want) throw new ParleyError("PARLEY_ERR_METRIC_CONFLICT", name, have, want);
    return metric as M;
  }

  #counter<L extends string>(name: string, help: string, labelNames: L[]): AggregatedCounter<L> {
    return new AggregatedCounter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  #gauge<L extends string>(name: string, help: string, labelNames: L[]) {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * Measures how late a 10 ms timer fires. Node's monitorEventLoopDelay counts its own resolution
   * into every sample and Deno's does not, so one timer probe keeps the figure the same on both.
   */
  #watchEventLoop(): { takeSeconds(): number; stop(): void } {
    const PERIOD_MS = 10;
    const lags: number[] = [];
    let expected = performance.now() + PERIOD_MS;
    const timer = setInterval(() => {
      const now = performance.now();
      if (lags.length < 100_000) lags.push(Math.max(0, now - expected));
      expected = now + PERIOD_MS;
    }, PERIOD_MS);
    (timer as { unref?: () => void }).unref?.();
    return {
      takeSeconds() {
        if (lags.length === 0) return 0;
        const sorted = lags.splice(0).sort((a, b) => a - b);
        return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] / 1000;
      },
      stop: () => clearInterval(timer),
    };
  }
}
