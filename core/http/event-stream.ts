// Server-sent events with backpressure: messages wait in the response stream's queue while the
// client reads slower than they come, and a client that stops reading is dropped once
// SSE_MAX_BUFFERED_BYTES wait for it (its messages are not kept). GET /v1/events streams every
// session's events this way; plugins stream their own (the agent desktop's notices).
import { filter, map, type Observable } from "rxjs";
import { serializeEvent, type SessionEvent } from "../events.ts";
import type { Metrics } from "../metrics.ts";

const SSE_HEARTBEAT_MS = 15000;
/** Bytes of events that may wait for one slow event-stream client before it is dropped. */
export const SSE_MAX_BUFFERED_BYTES = 1 << 20;
const HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };
const encoder = new TextEncoder();

/** One server-sent event: its type and its data (JSON text). */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/** What happens to a slow client, and the server's hooks to end the stream. */
export interface StreamOptions {
  /** Counts a client dropped for not reading. */
  readonly onSlowClient: () => void;
  /** Holds a function that ends the stream while it runs, for the server's close. */
  readonly open?: Set<() => void>;
  /** Cuts the connection of a client that stopped reading (the stream ends in any case). */
  readonly drop?: () => void;
}

/** A `text/event-stream` answer carrying `messages$` until it completes or the client goes. */
export function serverSentEvents(request: Request, messages$: Observable<ServerSentEvent>, options: StreamOptions): Response {
  if (request.method === "HEAD") return new Response(null, { headers: HEADERS });
  let release = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        release();
        controller.close();
      };
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
        // The queue holds what the client has not taken yet: past the allowance it has stopped reading.
        if ((controller.desiredSize ?? 0) < 0) {
          options.onSlowClient();
          release();
          if (options.drop) options.drop();
          else controller.error(new Error("the client stopped reading"));
        }
      };
      const subscription = messages$.subscribe({ next: ({ event, data }) => send(`event: ${event}\ndata: ${data}\n\n`), complete: end });
      const heartbeat = setInterval(() => send(": heartbeat\n\n"), SSE_HEARTBEAT_MS);
      release = () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
        options.open?.delete(end);
      };
      options.open?.add(end);
      send(": parley events\n\n");
    },
    cancel() {
      release();
    },
  }, { highWaterMark: SSE_MAX_BUFFERED_BYTES, size: (chunk) => chunk.byteLength });
  return new Response(body, { headers: HEADERS });
}

/** What the event stream reads: the events and where slow clients are counted. */
export interface EventSource {
  readonly events$: Observable<SessionEvent>;
  readonly metrics: Metrics;
}

/** GET /v1/events: every session's events (only one session's with `?session=id`). */
export function eventStream(request: Request, source: EventSource, open: Set<() => void>, drop: () => void): Response {
  const only = new URL(request.url).searchParams.get("session");
  const messages$ = source.events$.pipe(
    filter((event) => !only || event.sessionId === only),
    map((event) => ({ event: event.type, data: serializeEvent(event) })),
  );
  return serverSentEvents(request, messages$, { onSlowClient: () => source.metrics.slowClientsDropped.inc({ channel: "sse" }), open, drop });
}
