import { test } from "uvu";
import * as assert from "uvu/assert";
import { definePlugin, type PluginContext } from "./mod.ts";
import { createServer } from "./server.ts";

test("server.close() runs each plugin's onClose hooks once, after its sessions ended, the last registered first", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47600-47619" } });
  const calls: string[] = [];
  let sessionsAtClose = -1;
  let closedWith: PluginContext | undefined;
  server.use(definePlugin({
    name: "first",
    version: "1.0.0",
    setup: (context) => {
      context.onClose(() => void calls.push("first.a"));
      context.onClose(() => {
        closedWith = context;
        sessionsAtClose = context.sessions().length;
        calls.push("first.b");
      });
    },
  }));
  server.use(definePlugin({ name: "second", version: "1.0.0", setup: (context) => context.onClose(async () => void calls.push("second")) }));
  await server.listen();
  await server.rtp.open({ codec: "pcmu" });
  await server.close();
  await server.close();
  assert.equal(calls, ["second", "first.b", "first.a"]);
  assert.is(closedWith?.name, "first");
  assert.is(sessionsAtClose, 0);
});

test("a close hook that throws does not stop the others or the server's close; a setup that failed after registering its hook still gets it", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47620-47639" } });
  const closed: string[] = [];
  server.use(definePlugin({
    name: "broken-setup",
    version: "1.0.0",
    setup: (context) => {
      context.onClose(() => void closed.push("broken-setup"));
      return Promise.reject(new Error("no engine"));
    },
  }));
  server.use(definePlugin({ name: "throws", version: "1.0.0", setup: (context) => context.onClose(() => { throw new Error("boom"); }) }));
  await server.listen().catch(() => {});
  await server.close();
  assert.equal(closed, ["broken-setup"]);
});

test.run();
