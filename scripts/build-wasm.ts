// `npm run build:wasm`: assembles every .wat source of the project into the TypeScript module that
// embeds it (scripts/wat.ts lists them). Run it after editing a .wat file and commit both.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { assembleWat, embeddingModule, WAT_MODULES } from "./wat.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
for (const watModule of WAT_MODULES) {
  const binary = await assembleWat(watModule.source, readFileSync(resolve(ROOT, watModule.source), "utf8"));
  writeFileSync(resolve(ROOT, watModule.module), embeddingModule(watModule, binary));
  console.log(`${watModule.source} -> ${watModule.module} (${binary.length} bytes)`);
}
