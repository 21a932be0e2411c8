// The pages Parley serves (console, agent desktop, wallboard) read their server-sent event streams
// with this one reader. It reads with fetch, so that the bearer token travels in a header: an
// EventSource can only put it in the URL, where logs and browser history keep it.

/**
 * Reads the event stream of `response` until it ends or `signal` aborts, calling `onEvent` with
 * each event's parsed JSON `data`. Comments (keep-alives) and events without data are skipped.
 */
export async function readEventStream(response, onEvent, signal) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  signal?.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
  }
}
