// Starting a worker thread from a TypeScript module the same way on Node and Deno, from the
// sources or from the package's compiled JavaScript. Callers name the `.ts` file beside them; in
// the compiled package (dist/, where this file is .js) the worker is the `.js` file of that name.
// Deno runs the .ts file as it is. Node runs TypeScript through tsx, whose loader does not reach
// worker threads on Node 20, so there the worker starts from a one-line bootstrap that imports the
// module through tsx's API.
import { Worker, type WorkerOptions } from "node:worker_threads";

const isDeno = "Deno" in globalThis;
const compiled = import.meta.url.endsWith(".js");

/** Starts `module` (a `.ts` or `.js` file URL, usually `new URL("./x-worker.ts", import.meta.url)`) in a worker thread. */
export function startWorker(module: URL, options: Pick<WorkerOptions, "workerData" | "name"> = {}): Worker {
  const typescript = module.pathname.endsWith(".ts");
  if (typescript && compiled) return new Worker(new URL(module.href.replace(/\.ts$/, ".js")), options);
  if (isDeno || !typescript) return new Worker(module, options);
  const api = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(module.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
