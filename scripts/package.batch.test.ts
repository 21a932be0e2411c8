// The package as someone installs it: `npm pack` (which builds dist/ through `prepack`), the
// tarball installed into an empty project, and there, under the runtime running this test (Node
// or Deno): an embedding program (a server with a plugin of its own, /metrics, an RTP session),
// the worker-based engines (espeak-ng synthesis, Silero voice activity), a TypeScript program
// checked against the package's declarations, `parley --help`, and `parley` serving the default
// plugins. Skipped when npm is not on PATH.
//
// To keep the install to seconds, the empty project's node_modules is first seeded with hard
// links to the production dependencies this checkout installed from package-lock.json (what a
// fresh install of the same lock would unpack); npm still resolves the tarball's dependencies
// against them and fetches whatever is missing. Install scripts are not run, as npm 11 does not
// run a dependency's by default: nothing here needs a native build.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireTool } from "../core/testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;

/** What a finished command printed. */
interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` in `cwd`; rejects if it runs past `timeoutMs`. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} ran past ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `command` and returns its stdout; fails the test with its output if it does not exit 0. */
async function succeed(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  const { code, stdout, stderr } = await run(command, args, cwd, timeoutMs);
  assert.is(code, 0, `${command} ${args.join(" ")} exited ${code}:\n${stdout}\n${stderr}`);
  return stdout;
}

/** The command that runs a JavaScript file (or `npm:` package) of the app under this runtime. */
function runtime(script: string, args: string[] = []): [string, string[]] {
  return isDeno ? [process.execPath, ["run", "-A", "--node-modules-dir=manual", script, ...args]] : [process.execPath, [script, ...args]];
}

/** The `parley` command of the app with `args`: `npx parley` under Node, `deno run npm:parley` under Deno. */
function parley(args: string[]): [string, string[]] {
  return isDeno ? runtime("npm:parley", args) : ["npx", ["--offline", "parley", ...args]];
}

/** Starts the server `command` runs, fetches its console page once it listens, stops it with SIGTERM; returns what it printed. */
function serve([command, args]: [string, string[]], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let fetched = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`parley did not start and stop in 60 s:\n${output}`));
    }, 60000);
    const read = async (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (!listening || fetched || !/parley: plugins .*\n/.test(output)) return;
      fetched = true;
      const page = await fetch(`http://127.0.0.1:${listening[1]}/`).catch((error: Error) => ({ status: error.message }));
      output += `console page ${page.status}\n`;
      child.kill("SIGTERM");
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

/** Hard-links this checkout's installed production dependencies into `app`'s node_modules. */
async function seedDependencies(app: string): Promise<void> {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  const topLevel = Object.entries(lock.packages)
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev && !entry.link && existsSync(join(ROOT, path)))
    .map(([path]) => path);
  for (const path of topLevel) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    const { code } = await run("cp", ["-al", join(ROOT, path), join(app, path)], app, 30000).catch(() => ({ code: null }));
    // Without hard links (another file system, no GNU cp) npm unpacks the package itself.
    if (code !== 0) return;
  }
}

/** The embedding program: a server with a plugin of its own, /metrics, an RTP session, closed. */
const EMBED = `
import { createServer, definePlugin } from "parley";
const opened = [];
const probe = definePlugin({ name: "probe", version: "1.0.0", setup: () => (session) => void opened.push(session.id) });
const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47740-47749" } }).use(probe);
const { port } = await server.listen();
const metrics = await fetch(\`http://127.0.0.1:\${port}/metrics\`);
const text = await metrics.text();
const { session } = await server.rtp.open({ codec: "pcmu" });
await server.close();
console.log(JSON.stringify({ metrics: metrics.status, sessionsMetric: text.includes("parley_sessions"), plugins: [...server.plugins()].map(([name]) => name), session: session.id, opened }));
`;

/** The worker-based engines: espeak-ng synthesises a sentence, Silero judges it speech. */
const WORKERS = `
import { from, lastValueFrom, toArray } from "rxjs";
import { createEspeakEngine } from "parley/plugins/tts";
import { createSileroVad } from "parley/plugins/vad";
const espeak = await createEspeakEngine();
const frames = [];
for await (const frame of espeak.synthesize("Hello from the installed package.")) frames.push(frame);
await espeak.close();
const vad = await createSileroVad();
const decisions = await lastValueFrom(vad.classify(from(frames)).pipe(toArray()));
await vad.close();
console.log(JSON.stringify({ frames: frames.length, speech: decisions.filter((decision) => decision.speech).length }));
`;

/** A program that type-checks against the package's declarations (the expected error proves they are not `any`). */
const TYPES = `
import { createServer, type ParleyConfig } from "parley";
import type { AudioFrame } from "parley/media";
import { createEspeakEngine, type TtsEngine } from "parley/plugins/tts";
const config: ParleyConfig = { http: { port: 0 }, logLevel: "warn" };
// @ts-expect-error a port is a number
createServer({ http: { port: "80" } });
const engine: TtsEngine = await createEspeakEngine();
const frame: AudioFrame | undefined = undefined;
export { config, engine, frame };
`;

/** Type-checks TYPES in `app`: tsc with the repository's TypeScript under Node, `deno check` under Deno. */
async function typeCheck(app: string): Promise<void> {
  writeFileSync(join(app, "check.ts"), TYPES);
  if (isDeno) {
    await succeed(process.execPath, ["check", "--node-modules-dir=manual", "check.ts"], app, 120000);
    return;
  }
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    strict: true,
    noEmit: true,
    // A project's own choice; off, the `ws` types the HTTP layer's declarations mention would have to be installed.
    skipLibCheck: true,
    typeRoots: [join(ROOT, "node_modules/@types")],
    types: ["node"],
  };
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["check.ts"] }));
  await succeed(process.execPath, [createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", app], app, 120000);
}

// Decided before the test is declared, so that without npm uvu counts it as skipped, not passed.
const canPack = requireTool("npm");

(canPack ? test : test.skip)("npm pack, installed into an empty project, embeds, runs its worker engines and the parley command", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-package-"));
  try {
    const packed = JSON.parse(await succeed("npm", ["pack", "--json", "--pack-destination", dir], ROOT, 180000)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((file) => file.path);
    assert.ok(files.includes("dist/core/mod.js") && files.includes("dist/plugins/tts/espeak-worker.js"), "the tarball holds the compiled library and its workers");
    assert.not.ok(files.some((file) => file.endsWith(".test.js") || file.endsWith(".ts") && !file.endsWith(".d.ts")), "no tests or TypeScript sources");

    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "parley-package-test", private: true, type: "module" }));
    await seedDependencies(app);
    await succeed("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", join(dir, packed[0]!.filename)], app, 180000);

    writeFileSync(join(app, "embed.mjs"), EMBED);
    const embedded = JSON.parse(await succeed(...runtime("embed.mjs"), app, 60000));
    assert.is(embedded.metrics, 200);
    assert.ok(embedded.sessionsMetric, "/metrics serves Parley's metrics");
    assert.equal(embedded.plugins, ["probe"]);
    assert.equal(embedded.opened, [embedded.session], "the plugin saw the RTP session");

    writeFileSync(join(app, "workers.mjs"), WORKERS);
    const workers = JSON.parse(await succeed(...runtime("workers.mjs"), app, 60000));
    assert.ok(workers.frames > 50, `espeak-ng synthesised the sentence (${workers.frames} frames)`);
    assert.ok(workers.speech > workers.frames / 2, `Silero heard speech in it (${workers.speech} of ${workers.frames} frames)`);

    await typeCheck(app);

    const help = await succeed(...parley(["--help"]), app, 60000);
    for (const name of ["PARLEY_PORT", "--port <port>", "PARLEY_LOG_LEVEL", "PARLEY_TOKEN", "PARLEY_VOICEPRINT_KEY"]) assert.match(help, name);

    const voiceprints = join(dir, "voiceprints");
    // The bin itself, not npx: npx does not pass SIGTERM on to it.
    const bin: [string, string[]] = isDeno ? parley([]) : [join(app, "node_modules/.bin/parley"), []];
    bin[1].push("--port", "0", "--host", "127.0.0.1", "--rtp-ports", "47750-47759", "--voiceprints", voiceprints);
    const served = await serve(bin, app);
    assert.match(served, /plugins console@.*voicebot@.*biometrics@/, `the default plugins load from the package:\n${served}`);
    assert.match(served, "console page 200", `the console serves its page from the package:\n${served}`);
    assert.match(served, "parley: closed", `parley closes on SIGTERM:\n${served}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
