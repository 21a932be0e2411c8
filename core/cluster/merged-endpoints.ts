// The endpoints a host's primary (Primary.ts) answers from every shard at once: the session list
// and the event stream. Each shard checks who is asking, as for any request forwarded to it: the
// client's headers go with each request, and one shard's refusal is the answer.
import { type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http";

/** `GET /v1/sessions` of every shard (each checks who is asking), as one list. */
export async function mergedSessions(ports: readonly number[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const answers = await Promise.all(ports.map((port) => fetchFrom(port, request)));
  const refused = answers.find((answer) => answer.status !== 200);
  if (refused) {
    response.writeHead(refused.status, { "content-type": refused.headers.get("content-type") ?? "application/json" });
    response.end(await refused.text());
    return;
  }
  const sessions = (await Promise.all(answers.map(async (answer) => ((await answer.json()) as { sessions: unknown[] }).sessions))).flat();
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify({ sessions }));
}

/** `GET /v1/events` of every shard (each checks who is asking and filters), interleaved event by event. */
export function mergedEvents(ports: readonly number[], request: IncomingMessage, response: ServerResponse): void {
  const upstreams = ports.map((port) => httpRequest({ host: "127.0.0.1", port, method: "GET", path: request.url, headers: request.headers }));
  const end = () => {
    for (const upstream of upstreams) upstream.destroy();
    response.end();
  };
  let started = false;
  for (const upstream of upstreams) {
    upstream.on("response", (answer) => {
      if (answer.statusCode !== 200) {
        // One shard refused (a bad token): every shard would; its answer is the answer.
        if (!started) {
          started = true;
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          for (const other of upstreams) if (other !== upstream) other.destroy();
        }
        return;
      }
      if (!started) {
        started = true;
        response.writeHead(200, answer.headers);
      }
      // Whole events only: a chunk may end inside one, and another shard's event must not land in its middle.
      let pending = "";
      answer.setEncoding("utf8");
      answer.on("data", (chunk: string) => {
        pending += chunk;
        const cut = pending.lastIndexOf("\n\n");
        if (cut < 0) return;
        response.write(pending.slice(0, cut + 2));
        pending = pending.slice(cut + 2);
      });
      answer.on("end", end);
    });
    upstream.on("error", end);
    upstream.end();
  }
  response.on("close", end);
}

/** Asks a shard the same GET the client asked, with the client's headers (its token). */
function fetchFrom(port: number, request: IncomingMessage): Promise<Response> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string" && name !== "host" && name !== "connection") headers.set(name, value);
  return fetch(`http://127.0.0.1:${port}${request.url}`, { headers });
}
