// media/ promises to be pure: no I/O, no Node built-ins, no Buffer, nothing from core/, so it
// runs in Node, Deno and a browser alike. This test holds every file of every folder under media/
// to that. The one package allowed is rxjs (pure JavaScript): media/dsp's session streams are
// RxJS operators.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const MEDIA = resolve(import.meta.dirname ?? "media");
const PACKAGES = new Set(["rxjs"]);

/** Every source file (tests excluded) under `dir`, as paths relative to media/. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [relative(MEDIA, path)] : [];
  });
}

const sources = sourcesUnder(MEDIA);

test("the check reaches every folder under media/, media/dsp included", () => {
  const folders = new Set(sources.map((name) => dirname(name)));
  const expected = readdirSync(MEDIA, { recursive: true, withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => relative(MEDIA, join(entry.parentPath, entry.name)));
  for (const folder of [".", "dsp", ...expected]) assert.ok(folders.has(folder), `no sources checked in media/${folder}`);
});

test("media/ source files import only each other (and rxjs): no Node built-ins, no core/, no other npm packages", () => {
  assert.ok(sources.length > 40);
  for (const name of sources) {
    const text = readFileSync(join(MEDIA, name), "utf8");
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      if (PACKAGES.has(specifier!)) continue;
      const target = resolve(MEDIA, dirname(name), specifier!);
      assert.ok(specifier!.startsWith(".") && !relative(MEDIA, target).startsWith(".."), `${name} imports ${specifier}`);
    }
  }
});

test("media/ source files do not use Buffer or process", () => {
  for (const name of sources) {
    const code = readFileSync(join(MEDIA, name), "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
    assert.not.match(code, /\bBuffer\b|\bprocess\./, name);
  }
});

test.run();
