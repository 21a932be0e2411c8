// The import structure: no import circle in core/, media/, plugins/ or examples/ (type-only
// imports included, since they tie the files' designs together as much as value imports), the
// server imports no transport, and `import "parley"` loads neither werift nor ws (the transports
// load them by dynamic import when they start).
import { type DependencyTree, parseCircular, parseDependencyTree } from "dpdm";
import { test } from "uvu";
import * as assert from "uvu/assert";

const FOLDERS = ["core", "media", "plugins", "examples"];
const TRANSPORT_FOLDERS = /^core\/(rtp|webrtc|websocket)\//;

const trees = new Map<boolean, Promise<DependencyTree>>();

/** The import graph of every file; `transform` drops type-only imports (what runs, not what type-checks). */
function tree(transform: boolean): Promise<DependencyTree> {
  if (!trees.has(transform)) trees.set(transform, parseDependencyTree(FOLDERS.map((folder) => `${folder}/**/*.ts`), { transform, extensions: [".ts"] }));
  return trees.get(transform)!;
}

/** Files `entry` loads by static import, transitively. */
function reachable(dependencies: DependencyTree, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dependency of dependencies[id] ?? []) if (dependency.id && dependency.kind !== "DynamicImport") visit(dependency.id);
  };
  visit(entry);
  return seen;
}

test("no import circle is left in core/, media/, plugins/ and examples/", async () => {
  const circles = parseCircular(await tree(false)).map((circle) => circle.join(" -> "));
  assert.equal(circles, [], `import circles:\n${circles.join("\n")}`);
});

test("core/server.ts imports no transport; the transports import neither the server nor the HTTP API", async () => {
  const dependencies = await tree(false);
  const serverImports = (dependencies["core/server.ts"] ?? []).map((dependency) => dependency.id ?? dependency.request);
  assert.equal(serverImports.filter((id) => TRANSPORT_FOLDERS.test(id)), [], "server.ts imports a transport");
  for (const [file, imports] of Object.entries(dependencies)) {
    if (!TRANSPORT_FOLDERS.test(file) || file.endsWith(".test.ts")) continue;
    const forbidden = (imports ?? []).map((dependency) => dependency.id).filter((id) => id === "core/server.ts" || id === "core/http/HttpApi.ts");
    assert.equal(forbidden, [], `${file} imports ${forbidden.join(", ")}`);
  }
});

test('import "parley" (core/mod.ts) loads neither werift nor ws until a transport starts', async () => {
  const loaded = [...reachable(await tree(true), "core/mod.ts")];
  assert.ok(loaded.includes("core/default-transports.ts"), "the graph reaches the default transports");
  const heavy = loaded.filter((id) => /node_modules\/(werift|ws)\//.test(id));
  assert.equal(heavy, [], "statically loaded");
});

test.run();
