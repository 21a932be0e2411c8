import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { assembleWat, embeddingModule, WAT_MODULES } from "./wat.ts";

const wat = suite("wat");
const ROOT = resolve(import.meta.dirname ?? ".", "..");

wat("every embedded WebAssembly module is its .wat source as assembled now (run npm run build:wasm)", async () => {
  for (const watModule of WAT_MODULES) {
    const binary = await assembleWat(watModule.source, readFileSync(resolve(ROOT, watModule.source), "utf8"));
    assert.is(readFileSync(resolve(ROOT, watModule.module), "utf8"), embeddingModule(watModule, binary), watModule.module);
  }
});

wat.run();
