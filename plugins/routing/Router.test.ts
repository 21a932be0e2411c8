import { test } from "uvu";
import { routerScenarios } from "./router-scenarios.ts";
import { MemoryRoutingStore } from "./store.ts";

routerScenarios(test, () => Promise.resolve(new MemoryRoutingStore()));

test.run();
