// The nodes' channel in a real Redis: messages to the others, a call to one node and its answer
// or error, a node that stops beating declared lost once, none declared lost while Redis is gone,
// and messages published meanwhile delivered when it is back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireRedis, startRedis } from "../../core/redis-testing.ts";
import { sleep, waitFor } from "../../core/testing.ts";
import { RedisCluster } from "./cluster.ts";
import { RoutingError } from "./RoutingError.ts";

if (requireRedis()) {
  const redis = await startRedis();
  const nodes: RedisCluster<string>[] = [];
  /** A node on the test's Redis, beating every 50 ms. */
  const join = async (node: string, prefix: string, timeoutMs = 1000) => {
    const cluster = await RedisCluster.connect<string>({ url: redis.url, prefix, node, heartbeatMs: 50, timeoutMs });
    nodes.push(cluster);
    return cluster;
  };
  test.after(async () => {
    for (const node of nodes) await node.close();
    await redis.stop();
  });

  test("a message reaches every other node, not its sender; a call reaches its node and brings back its answer or its error", async () => {
    const [a, b, c] = [await join("a", "t1:"), await join("b", "t1:"), await join("c", "t1:")];
    const heard: string[] = [];
    for (const node of [a, b, c]) node.messages$.subscribe((message) => heard.push(`${node.node}:${message}`));
    b.serve((method, args) => (method === "double" ? Promise.resolve((args as number) * 2) : Promise.reject(new RoutingError("unknown_call", `no ${method}`))));
    c.serve(() => Promise.resolve("c answered"));
    await sleep(100);
    a.publish("hello");
    await waitFor(() => heard.length === 2, 2000, "the message at b and c");
    assert.equal(heard.sort(), ["b:hello", "c:hello"]);
    assert.is(await a.call("b", "double", 21), 42);
    try {
      await a.call("b", "nope", 0);
      assert.unreachable("b refuses what it does not serve");
    } catch (error) {
      assert.ok(error instanceof RoutingError && error.code === "unknown_call" && /no nope/.test(error.message), String(error));
    }
    try {
      await a.call("nobody", "double", 1);
      assert.unreachable("no node answers for a node that is not there");
    } catch (error) {
      assert.ok(error instanceof RoutingError && error.code === "node_unavailable", String(error));
    }
  });

  test("a node that stops beating is declared lost once; none is while Redis is gone, and messages published meanwhile arrive when it is back", async () => {
    const [a, b, c] = [await join("a", "t2:"), await join("b", "t2:"), await join("c", "t2:")];
    const lost: string[] = [];
    a.lost$.subscribe((node) => lost.push(node));
    const heard: string[] = [];
    b.messages$.subscribe((message) => heard.push(message));
    await sleep(300);
    await c.close();
    await waitFor(() => lost.length > 0, 5000, "c declared lost");
    await sleep(300);
    assert.equal(lost, ["c"], "once, and only c");
    await redis.kill();
    a.publish("while Redis was gone");
    await sleep(600);
    await redis.restart();
    await waitFor(() => heard.includes("while Redis was gone"), 5000, "the held message at b");
    // Past the others' time to reconnect (2 s): b beats again, so it is still not lost.
    await sleep(2500);
    assert.equal(lost, ["c"], "b was silent only because Redis was gone: not lost");
  });
}

test.run();
