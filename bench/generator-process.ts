// Runs bench/load-generator.ts as a process of its own (tsx's loader under Node, `deno run` under
// Deno), so the calls it places cost the measured server nothing, and collects what it prints.
import { spawn } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { ROOT, scriptCommand } from "./child-script.ts";
import type { DoneMessage, GeneratorMessage, GeneratorReport, StreamingMessage } from "./load-protocol.ts";

const GENERATOR = fileURLToPath(new URL("./load-generator.ts", import.meta.url));

/**
 * Runs the load generator with `args` (its command line); `onStreaming` hears when all its streams
 * run; resolves with its report. `niceness` lowers the generator's priority, so that on a machine
 * whose every core the server uses, the server wins (its lateness is subtracted from the latency).
 */
export function runLoadGenerator(args: readonly string[], onStreaming: (message: StreamingMessage) => void = () => {}, niceness = 0): Promise<GeneratorReport> {
  const child = spawn(process.execPath, scriptCommand(GENERATOR, args), { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  if (niceness > 0 && child.pid !== undefined) setPriority(child.pid, niceness);
  let pending = "";
  let done: DoneMessage | undefined;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      const message = JSON.parse(pending.slice(0, end)) as GeneratorMessage;
      pending = pending.slice(end + 1);
      if (message.type === "streaming") onStreaming(message);
      else done = message;
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (done && code === 0 ? resolve(done.report) : reject(new Error(`the load generator exited with ${code}`))));
  });
}
