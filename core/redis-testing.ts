// A real Redis for tests: Debian's redis-server, started on a unix socket in a folder of its own,
// with nothing saved to disk, and stopped (or restarted, for the fault tests) by the test. Test
// code only; not exported from mod.ts.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool, waitFor } from "./testing.ts";

/** A redis-server this test started; `url` is what a store connects to. */
export interface TestRedis {
  /** The unix socket's path, which ioredis takes as its address. */
  readonly url: string;
  /** Stops the server as a crash would (SIGKILL): its data is gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same socket. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** True when redis-server is installed; otherwise the test is skipped with the reason. */
export function requireRedis(): boolean {
  return requireTool("redis-server");
}

/** Starts a redis-server for one test file; resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  const folder = mkdtempSync(join(tmpdir(), "parley-redis-"));
  const socket = join(folder, "redis.sock");
  let server: ChildProcess | undefined;
  const start = async () => {
    const child = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", folder], { stdio: "ignore" });
    server = child;
    let exited = false;
    child.once("exit", () => void (exited = true));
    await waitFor(() => exited || existsSync(socket), 5000, "redis-server's socket");
    if (exited) throw new Error("redis-server exited at start");
  };
  const kill = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    rmSync(socket, { force: true });
  };
  await start();
  return {
    url: socket,
    kill,
    restart: start,
    async stop() {
      await kill();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
