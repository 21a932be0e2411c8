import { ParleyError } from "../errors.ts";

/**
 * Reads a request body's bytes up to `limit`; throws PARLEY_ERR_BODY_TOO_LARGE (413) past it,
 * before reading when Content-Length says so. For routes that bound their body themselves
 * (`maxBodyBytes: false`); other routes' bodies are bounded before their handler runs.
 */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > limit) throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  await eachChunk(request, (chunk) => {
    size += chunk.length;
    if (size > limit) throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limit);
    chunks.push(chunk);
  });
  const body = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (body.set(chunk, offset), offset + chunk.length), 0);
  return body;
}

/** Most bytes of a refused body read and thrown away so that its client still reads the answer; past them the connection is cut. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Hands each chunk of a request body to `take` until the body ends or `take` throws. After a throw
 * the rest is read and thrown away (up to DISCARD_LIMIT), not cancelled, which would cut the
 * connection: so the client, still sending, receives the error answer. A body that breaks off is
 * the client's fault (400).
 */
export async function eachChunk(request: Request, take: (chunk: Uint8Array) => void): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "the request body ended before it was complete");
    }
    if (next.done) return;
    try {
      take(next.value);
    } catch (error) {
      void discard(reader);
      throw error;
    }
  }
}

async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let size = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      size += next.value.length;
      if (size > DISCARD_LIMIT) return void (await reader.cancel());
    }
  } catch {
    // The client went away: nothing is left to discard.
  }
}

/** The media type of a request without parameters, lower case ("application/sdp"). */
export function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
}

/** Parses a JSON object body; throws PARLEY_ERR_BAD_JSON with the parser's complaint. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ParleyError("PARLEY_ERR_BAD_JSON", (error as Error).message);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ParleyError("PARLEY_ERR_BAD_JSON", "expected a JSON object");
  return value as Record<string, unknown>;
}

/** True for the error a request body's stream fails with when its client goes away mid-body. */
export function isClientAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || (error instanceof Error && error.message === "aborted");
}

/** Reads a body as text; a client that goes away mid-body gets PARLEY_ERR_BAD_REQUEST (its fault, not the server's). */
export async function readText(request: Request): Promise<string> {
  try {
    return await request.text();
  } catch (error) {
    if (isClientAbort(error)) throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "the request body ended before it was complete");
    throw error;
  }
}

/** Reads a JSON object body, checking the content type. */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const type = mediaType(request);
  if (type !== "application/json") throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", "application/json");
  return parseJsonObject(await readText(request));
}
