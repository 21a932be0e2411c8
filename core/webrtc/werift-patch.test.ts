// werift's DTLS client, as installed, must carry the fix in patches/werift+0.24.4.patch (applied by
// `npm install`'s postinstall): without it a handshake that a busy server finishes after the
// browser's retransmission ends with SRTP keys the browser does not share, and the call is silent.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const main = createRequire(import.meta.url).resolve("werift");
const weriftRoot = main.slice(0, main.lastIndexOf("/lib/"));
const GUARD = "if (this.dtls.flight > 5)";

test("werift's DTLS client ignores a flight-4 retransmission that completes after the handshake (both module builds)", () => {
  for (const file of ["lib/index.mjs", "lib/dtls/src/flight/client/flight5.js"]) {
    const source = readFileSync(join(weriftRoot, file), "utf8");
    assert.ok(source.includes(GUARD), `${file} lacks the patch: run npm install (its postinstall applies patches/)`);
  }
});

test.run();
