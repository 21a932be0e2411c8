import { test } from "uvu";
import * as assert from "uvu/assert";
import { definePlugin, type PluginServer } from "./mod.ts";
import { createServer } from "./server.ts";

test("server.close() runs each plugin's close hook once, with that server, after its sessions ended, last registered first", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47600-47619" } });
  const calls: string[] = [];
  let sessionsAtClose = -1;
  let closedWith: PluginServer | undefined;
  server.use(definePlugin({
    name: "first",
    version: "1.0.0",
    setup: () => {},
    close: (closing) => {
      closedWith = closing;
      sessionsAtClose = closing.sessions().length;
      calls.push("first");
    },
  }));
  server.use(definePlugin({ name: "second", version: "1.0.0", setup: () => {}, close: async () => void calls.push("second") }));
  await server.listen();
  await server.rtp.open({ codec: "pcmu" });
  await server.close();
  await server.close();
  assert.equal(calls, ["second", "first"]);
  assert.is(closedWith, server);
  assert.is(sessionsAtClose, 0);
});

test("a close hook that throws does not stop the others or the server's close; a failed setup still gets its close", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47620-47639" } });
  const closed: string[] = [];
  server.use(definePlugin({ name: "broken-setup", version: "1.0.0", setup: () => Promise.reject(new Error("no engine")), close: () => void closed.push("broken-setup") }));
  server.use(definePlugin({ name: "throws", version: "1.0.0", setup: () => {}, close: () => { throw new Error("boom"); } }));
  await server.listen().catch(() => {});
  await server.close();
  assert.equal(closed, ["broken-setup"]);
});

test.run();
