// How a bench script starts another TypeScript script as a process of its own: tsx's loader under
// Node, `deno run -A` under Deno.
import { fileURLToPath } from "node:url";

/** Repository root: the working directory of the scripts started. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The V8 flags a server runs with, as `npm start` and `deno task start` give them: a 32 MB young
 * generation. Its fewer scavenges halved the longest stalls with 50 default-profile callers (max
 * packet latency 74 ms against 125-148, event-loop lag 37-42 ms against 82-109, same CPU).
 */
export const SERVER_V8_FLAGS = ["--max-semi-space-size=32"];

/** The arguments of `process.execPath` that run `script` (a path) with `args` on this runtime, with the server's V8 flags. */
export function scriptCommand(script: string, args: readonly string[]): string[] {
  return "Deno" in globalThis ? ["run", "-A", `--v8-flags=${SERVER_V8_FLAGS.join(",")}`, script, ...args] : [...SERVER_V8_FLAGS, "--import", "tsx", script, ...args];
}
