// How a bench script starts another TypeScript script as a process of its own: tsx's loader under
// Node, `deno run -A` under Deno.
import { fileURLToPath } from "node:url";

/** Repository root: the working directory of the scripts started. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The arguments of `process.execPath` that run `script` (a path) with `args` on this runtime. */
export function scriptCommand(script: string, args: readonly string[]): string[] {
  return "Deno" in globalThis ? ["run", "-A", script, ...args] : ["--import", "tsx", script, ...args];
}
