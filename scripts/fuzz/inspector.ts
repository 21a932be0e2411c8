// Asks a child process started with `--inspect=127.0.0.1:0` (Node and Deno alike) for a full
// garbage collection, through the V8 inspector protocol. The fuzz compares the server's memory
// before and after a run: without a collection on both sides it compares how much garbage V8 had
// yet to collect (under Deno, 150 MB of heap holding 40 MB of live objects and some 90 MB of
// native buffers, all freed by one collection) instead of what the run left alive.
import WebSocket from "ws";

/** The inspector's WebSocket address in a line the runtime wrote to stderr, if the line announces it. */
export function inspectorUrlIn(line: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
}

/** True for the lines the runtime writes about its inspector (listening, sessions), which are no finding of the fuzz. */
export function isInspectorNotice(line: string): boolean {
  return /^(Debugger (listening|session|attached|ending)|Visit chrome:\/\/inspect|For help, see: https:\/\/nodejs\.org\/en\/docs\/inspector|Waiting for the debugger)/.test(line);
}

/** Runs V8's full collection twice in the process behind `url` (the second takes what the first's finalizers freed). */
export async function collectGarbage(url: string): Promise<void> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  try {
    for (const id of [1, 2]) {
      const answered = new Promise<void>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const reply = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
          if (reply.id !== id) return;
          socket.off("message", onMessage);
          if (reply.error) reject(new Error(`the inspector refused a collection: ${reply.error.message}`));
          else resolve();
        };
        socket.on("message", onMessage);
      });
      socket.send(JSON.stringify({ id, method: "HeapProfiler.collectGarbage" }));
      await answered;
    }
  } finally {
    socket.close();
  }
}
