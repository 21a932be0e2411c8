import { createSocket, type Socket } from "node:dgram";
import { ParleyError } from "../errors.ts";

/** A bound RTP/RTCP socket pair on consecutive ports (RTP even, RTCP odd). */
export interface SocketPair {
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly port: number;
  /** Closes both sockets and returns the ports to the pool once they are closed (at once on Node, a moment later on Deno). */
  release(): Promise<void>;
}

/**
 * Closes a socket that may already be closed, resolving once it is: releasing a pair must never
 * throw halfway and strand the other socket or the ports, and Deno frees the port only by then.
 */
function closeQuietly(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // Already closed.
    }
  });
}

function bind(port: number, address: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: address.includes(":") ? "udp6" : "udp4" });
    const fail = () => {
      void closeQuietly(socket);
      resolve(null);
    };
    socket.once("error", fail);
    socket.bind(port, address, () => {
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/**
 * Hands out RTP/RTCP port pairs from a range, skipping ports another process holds. Ports are
 * taken round-robin so a just-released pair is not reused at once (late packets of the old call
 * would land in the new one).
 */
export class PortPool {
  readonly #inUse = new Set<number>();
  #cursor: number;

  constructor(readonly min: number, readonly max: number, readonly address: string) {
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1024 && max <= 65535 && max - min >= 1)) {
      throw new ParleyError("PARLEY_ERR_CONFIG", `RTP port range ${min}-${max} must lie within 1024-65535 and hold at least one pair`);
    }
    this.#cursor = min + (min % 2);
  }

  /** Pairs currently allocated. */
  get used(): number {
    return this.#inUse.size;
  }

  /** Binds the next free pair; throws PARLEY_ERR_PORTS_EXHAUSTED (503) when none is left. */
  async allocate(): Promise<SocketPair> {
    const first = this.min + (this.min % 2);
    const pairs = Math.floor((this.max - first + 1) / 2);
    for (let tried = 0; tried < pairs; tried++) {
      const port = this.#cursor;
      this.#cursor = port + 2 > this.max - 1 ? first : port + 2;
      if (this.#inUse.has(port)) continue;
      this.#inUse.add(port);
      const rtp = await bind(port, this.address);
      const rtcp = rtp && (await bind(port + 1, this.address));
      if (rtp && rtcp) {
        let released: Promise<void> | undefined;
        return {
          rtp,
          rtcp,
          port,
          // The ports go back only once both sockets are closed: a port handed out while its old
          // socket still holds it would fail to bind (Deno frees it a moment after close()).
          release: () => (released ??= Promise.all([closeQuietly(rtp), closeQuietly(rtcp)]).then(() => void this.#inUse.delete(port))),
        };
      }
      if (rtp) void closeQuietly(rtp);
      this.#inUse.delete(port);
    }
    throw new ParleyError("PARLEY_ERR_PORTS_EXHAUSTED", `${this.min}-${this.max}`);
  }
}
