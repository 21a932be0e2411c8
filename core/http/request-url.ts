import type { IncomingMessage } from "node:http";
import { ParleyError } from "../errors.ts";

const ORIGIN = "http://localhost";

/**
 * The URL of a request. A request target is a path ("/a?b"), or for proxies an absolute URL; a
 * target that is neither ("//", "*", "//[") is a bad request, never an exception that escapes the
 * handler: `new URL("//", base)` reads "//" as a host and throws.
 */
export function requestUrl(request: Pick<IncomingMessage, "url">): URL {
  const target = request.url ?? "/";
  try {
    return target.startsWith("/") ? new URL(`${ORIGIN}${target}`) : new URL(target);
  } catch {
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "the request target is not a valid path");
  }
}
