// Test helper, run as a process of its own by crash.e2e.test.ts: a server recording into the
// folder named by argv[2] (RTP ports argv[3]; encrypted for the PEM public key in the file argv[4]
// when given), with one RTP call opened at once. It prints `READY {"id","port"}` and runs until killed.
import { readFileSync } from "node:fs";
import { createServer } from "../../core/mod.ts";
import { recording } from "./plugin.ts";

const directory = process.argv[2];
const ports = process.argv[3] ?? "46720-46739";
const publicKey = process.argv[4] ? readFileSync(process.argv[4], "utf8") : undefined;
if (!directory) throw new Error("usage: crash-child.ts <directory> [ports] [public key file]");
const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports, symmetric: false }, logLevel: "warn" }).use(recording, { directory, ...(publicKey ? { publicKey } : {}) });
await server.listen();
const { session, port } = await server.rtp.open({ codec: "pcmu" });
console.log(`READY ${JSON.stringify({ id: session.id, port })}`);
