// Test helpers of the postcall plugin: a real local webhook receiver (node:http) that answers
// with scripted statuses and keeps what it was sent. Test code only; not exported from mod.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One request the receiver got. */
export interface ReceivedDelivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The status it answered. */
  status: number;
}

/** A webhook receiver on 127.0.0.1: answers each request with the next of `statuses` (the last one repeats). */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  readonly #server: Server;

  private constructor(readonly statuses: number[]) {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const status = this.statuses[Math.min(this.received.length, this.statuses.length - 1)]!;
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), status });
        response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "try again");
      });
    });
  }

  /** Starts a receiver on `port` (0: any free one). */
  static async start(statuses: number[], port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(statuses);
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once("error", reject);
      receiver.#server.listen(port, "127.0.0.1", () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/postcall`;
  }

  /** Deliveries it accepted (answered 2xx). */
  get accepted(): ReceivedDelivery[] {
    return this.received.filter((delivery) => delivery.status < 300);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A port nothing listens on now (taken from the system, then released). */
export async function unusedPort(): Promise<number> {
  const receiver = await WebhookReceiver.start([200]);
  const port = receiver.port;
  await receiver.close();
  return port;
}

/** A test body run with a fresh temporary folder, removed afterwards. */
export function withDirectory(run: (directory: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), "parley-postcall-"));
    try {
      await run(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}
