// media/ promises to be pure: no I/O, no Node built-ins, no Buffer, nothing from core/, so it
// runs in Node, Deno and a browser alike. This test holds it to that.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const MEDIA = join(import.meta.dirname ?? "media", ".");
const sources = readdirSync(MEDIA).filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"));

test("media/ source files import no Node built-ins, no core/ and no npm packages", () => {
  assert.ok(sources.length > 10);
  for (const name of sources) {
    const text = readFileSync(join(MEDIA, name), "utf8");
    for (const [, specifier] of text.matchAll(/from\s+"([^"]+)"/g)) {
      assert.ok(specifier.startsWith("./") && !specifier.includes(".."), `${name} imports ${specifier}`);
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
