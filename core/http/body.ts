import type { IncomingMessage } from "node:http";
import { ParleyError } from "../errors.ts";

/** Reads a request body's bytes up to `limit`; throws PARLEY_ERR_BODY_TOO_LARGE (413) past it, before reading when Content-Length says so. */
export async function readBytes(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers["content-length"]);
  if (declared > limit) throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limit) throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limit);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ParleyError) throw error;
    // The client went away mid-body: its request, not the server, is at fault.
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "the request body ended before it was complete");
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Reads a request body as UTF-8 text up to `limit` bytes (see `readBytes`). */
export async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(request, limit));
}

/** The media type of a request without parameters, lower case ("application/sdp"). */
export function mediaType(request: IncomingMessage): string {
  return (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
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
