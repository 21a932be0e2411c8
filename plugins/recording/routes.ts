// The recordings API: list finished recordings (by time, queue, agent, disposition), read one's
// metadata, download its audio (with Range, so players can seek) and delete it. Admins and
// supervisors see every recording; an agent only the calls they answered.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { jsonResponse, ParleyError, type PluginContext, type Principal, queryTime, requestPrincipal } from "../../core/mod.ts";
import { type Disposition, listRecordings, matches, readDocument, type RecordingFilter, type RecordingSummary, summarise } from "./catalogue.ts";
import { deleteRecording } from "./retention.ts";

const READERS = { roles: ["admin", "supervisor", "agent"] } as const;
const STAFF = { roles: ["admin", "supervisor"] } as const;
const DISPOSITIONS: readonly Disposition[] = ["answered", "abandoned", "overflowed", "escalated", "bot"];
const ID = /^[A-Za-z0-9._-]+$/;

/** A byte range of a file, inclusive, as a `Range: bytes=` header asks for it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks of a file of `size` bytes: undefined for the whole file (no
 * header, or one this server does not honour, such as several ranges, which RFC 9110 lets it
 * ignore), "unsatisfiable" when it starts past the end.
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  const match = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    // A suffix: the last N bytes.
    const length = Math.min(Number(match[2]), size);
    return length === 0 ? "unsatisfiable" : { start: size - length, end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** The list filter a request's query asks for. */
function filterOf(url: URL): RecordingFilter {
  const query = url.searchParams;
  const disposition = query.get("disposition");
  if (disposition !== null && !DISPOSITIONS.includes(disposition as Disposition)) {
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `disposition must be one of ${DISPOSITIONS.join(", ")}, got ${JSON.stringify(disposition)}`);
  }
  const filter: RecordingFilter = {};
  const from = queryTime(query, "from");
  const to = queryTime(query, "to");
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (query.has("queue")) filter.queue = query.get("queue")!;
  if (query.has("agent")) filter.agent = query.get("agent")!;
  if (disposition !== null) filter.disposition = disposition as Disposition;
  return filter;
}

/** Whether `principal` may see `summary`: staff all, an agent the calls they answered. */
function mayRead(principal: Principal, summary: RecordingSummary): boolean {
  return principal.role !== "agent" || (principal.agentId !== undefined && summary.agents.includes(principal.agentId));
}

/** Registers the recordings API on `context` for the recordings in `directory`. */
export function registerRecordingRoutes(context: PluginContext, directory: string): void {
  /** The finished recording `id` if the asker may see it; a 404 otherwise, so agents learn nothing of others' calls. */
  const readable = async (request: Request, id: string) => {
    const document = ID.test(id) ? await readDocument(directory, id) : undefined;
    const summary = document && summarise(document);
    if (!document || !summary || !mayRead(requestPrincipal(request), summary)) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `recording ${id}`);
    return { document, summary };
  };

  context.route("GET", "/v1/recordings", async (request) => {
    const filter = filterOf(new URL(request.url));
    const principal = requestPrincipal(request);
    const recordings = (await listRecordings(directory)).filter((summary) => matches(summary, filter) && mayRead(principal, summary));
    return jsonResponse({ recordings });
  }, { access: READERS, doc: { summary: "Finished recordings, oldest first: ?from, ?to (ms or ISO), ?queue, ?agent, ?disposition (an agent sees the calls they answered)" } });

  context.route("GET", "/v1/recordings/:id", async (request, params) => jsonResponse((await readable(request, params.id!)).document), {
    access: READERS, doc: { summary: "A recording's metadata document (participants, channels, pauses, events)" },
  });

  context.route("GET", "/v1/recordings/:id/audio", async (request, params) => {
    const { summary } = await readable(request, params.id!);
    const path = join(directory, basename(summary.audioFile));
    const size = (await stat(path)).size;
    const range = parseRange(request.headers.get("range"), size);
    // An encrypted recording is served as it is stored: only the private key's holder can open it.
    const headers: Record<string, string> = { "content-type": summary.encrypted ? "application/octet-stream" : summary.audioFile.endsWith(".ogg") ? "audio/ogg" : "audio/wav", "accept-ranges": "bytes" };
    if (range === "unsatisfiable") return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const body = size === 0 ? null : Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
    headers["content-length"] = String(size === 0 ? 0 : end - start + 1);
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    return new Response(body, { status: range ? 206 : 200, headers });
  }, { access: READERS, doc: { summary: "A recording's audio (stereo WAV or Ogg Opus: caller left, what they heard right; an encrypted recording as stored); honours Range" } });

  context.route("DELETE", "/v1/recordings/:id", async (request, params) => {
    const { summary } = await readable(request, params.id!);
    await deleteRecording(directory, summary);
    return new Response(null, { status: 204 });
  }, { access: STAFF, doc: { summary: "Deletes a finished recording, audio and metadata" } });
}
