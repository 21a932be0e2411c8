// Test support: an HTTP client in a thread of its own, so that uploading a large body costs the
// server's event loop only what the server spends on it. Each message is one request; the reply
// carries the answer and how long it took.
import { parentPort } from "node:worker_threads";

/** One request to send. */
export interface HttpClientRequest {
  url: string;
  method: string;
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

/** The answer to a request. */
export interface HttpClientAnswer {
  status: number;
  text: string;
  elapsedMs: number;
}

const port = parentPort!;

port.on("message", async ({ url, method, contentType, body }: HttpClientRequest) => {
  const started = performance.now();
  try {
    const response = await fetch(url, { method, headers: { "content-type": contentType }, body });
    const text = await response.text();
    port.postMessage({ status: response.status, text, elapsedMs: performance.now() - started } satisfies HttpClientAnswer);
  } catch (error) {
    port.postMessage({ status: 0, text: String(error), elapsedMs: performance.now() - started } satisfies HttpClientAnswer);
  }
});
