// Builds the installable package (`npm pack` and `npm publish` run it as `prepack`): the library,
// its worker threads and the `parley` command compiled to JavaScript with type declarations in
// dist/, and the files those modules read beside themselves. Neither Node nor Deno runs TypeScript
// from node_modules, so the package ships JavaScript; tsc rewrites the `.ts` import paths to `.js`.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");

/** Files the compiled modules read at run time by a path beside their own (the pages, their shared script and style sheet, the models' weights), and the models' cards. */
const ASSETS = [
  ...readdirSync(join(ROOT, "core/http/assets")).filter((name) => !name.endsWith(".d.ts")).map((name) => `core/http/assets/${name}`),
  ...readdirSync(join(ROOT, "plugins"), { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(".html") || path.endsWith(".css")).map((path) => `plugins/${path}`),
  ...["biometrics", "deepfake", "emotion"].flatMap((plugin) => [`plugins/${plugin}/model/weights.json`, `plugins/${plugin}/model/MODEL_CARD.md`]),
];

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
// Everything goes to stderr: `npm pack --json` writes its answer to stdout.
const build = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: ["ignore", 2, 2] });
if (build.status !== 0) {
  console.error("build-package: tsc failed");
  process.exit(build.status ?? 1);
}
for (const asset of ASSETS) cpSync(join(ROOT, asset), join(DIST, asset));
chmodSync(join(DIST, "cli/parley.js"), 0o755);
console.error(`build-package: ${DIST}`);
