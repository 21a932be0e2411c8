// Starting a worker thread from a TypeScript module the same way on Node and Deno. Deno runs the
// .ts file as it is. Node runs TypeScript through tsx, whose loader does not reach worker threads
// on Node 20, so there the worker starts from a one-line bootstrap that imports the module through
// tsx's API.
import { Worker, type WorkerOptions } from "node:worker_threads";

const isDeno = "Deno" in globalThis;

/** Starts `module` (a `.ts` or `.js` file URL, usually `new URL("./x-worker.ts", import.meta.url)`) in a worker thread. */
export function startWorker(module: URL, options: Pick<WorkerOptions, "workerData" | "name"> = {}): Worker {
  if (isDeno || !module.pathname.endsWith(".ts")) return new Worker(module, options);
  const api = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(module.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
