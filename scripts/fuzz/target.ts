// The server under attack: `npm start`'s program (cli/parley.ts, every default plugin) in a
// child process of the same runtime, so that a crash shows as an exit and its memory, descriptors
// and sockets can be read from /proc without the attacker's own counted in. Its inspector listens
// on loopback so that the fuzz can collect its garbage before it weighs its memory.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ProcessSample, sampleProcess, udpDrops } from "../../core/testing.ts";
import { collectGarbage, inspectorUrlIn, isInspectorNotice } from "./inspector.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "../..");
const isDeno = "Deno" in globalThis;

/** A running server under test. */
export interface Target {
  readonly baseUrl: string;
  readonly port: number;
  readonly token: string;
  readonly rtpPorts: { min: number; max: number };
  /** Set once the process has exited: by itself, that is the crash the fuzz looks for. */
  readonly exit: { code: number | null; signal: string | null } | undefined;
  /** Lines the server wrote to stderr. */
  readonly stderr: string[];
  sample(): ProcessSample;
  /** Runs a full garbage collection in the server, so that a sample counts what is alive rather than what V8 has yet to collect. */
  collectGarbage(): Promise<void>;
  /** Datagrams the kernel dropped on the server's UDP socket bound to `port` because the server did not read them in time. */
  udpDrops(port: number): number;
  /** Ends the server (SIGTERM, then SIGKILL) and removes its files. */
  stop(): Promise<void>;
}

/** Starts the default server on loopback with a token and a small RTP port range, and waits until it listens. */
export async function startTarget(options: { rtpPorts?: string; config?: object; timeoutMs?: number } = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "parley-fuzz-"));
  const token = `fuzz-${crypto.randomUUID()}`;
  const rtpPorts = options.rtpPorts ?? "46000-46199";
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ http: { host: "127.0.0.1" }, webrtc: { interfaces: ["127.0.0.1"] }, ...options.config }));
  const script = join(ROOT, "cli/parley.ts");
  const inspect = "--inspect=127.0.0.1:0";
  const args = isDeno ? ["run", "-A", inspect, script] : [inspect, "--import", "tsx", script];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PARLEY_PORT: "0", PARLEY_TOKEN: token, PARLEY_RTP_PORTS: rtpPorts, PARLEY_CONFIG: configPath, PARLEY_VOICEPRINTS: join(dir, "voiceprints") },
  });
  const stderr: string[] = [];
  let inspectorUrl: string | undefined;
  let exit: Target["exit"];
  const exited = new Promise<void>((resolveExit) => child.on("exit", (code, signal) => {
    exit = { code, signal };
    resolveExit();
  }));
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    for (const line of chunk.split("\n").filter(Boolean)) {
      inspectorUrl ??= inspectorUrlIn(line);
      if (!isInspectorNotice(line)) stderr.push(line);
    }
  });
  child.stdout!.setEncoding("utf8");
  let stdout = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in time: ${stdout} ${stderr.join("\n")}`)), options.timeoutMs ?? 60000);
    child.stdout!.on("data", (chunk: string) => {
      stdout += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    exited.then(() => reject(new Error(`the server exited at start (${JSON.stringify(exit)}): ${stderr.join("\n")}`)));
  });
  const [min, max] = rtpPorts.split("-").map(Number);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    token,
    rtpPorts: { min: min!, max: max! },
    get exit() {
      return exit;
    },
    stderr,
    sample: () => sampleProcess(child.pid!),
    async collectGarbage() {
      if (!inspectorUrl) throw new Error(`the server announced no inspector: ${stderr.join("\n")}`);
      await collectGarbage(inspectorUrl);
    },
    udpDrops: (port) => udpDrops(child.pid!, port),
    async stop() {
      if (!exit) {
        process.kill(child.pid!, "SIGTERM");
        const killer = setTimeout(() => exit || process.kill(child.pid!, "SIGKILL"), 10000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
