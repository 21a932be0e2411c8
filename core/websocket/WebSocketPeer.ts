import type { WebSocket } from "ws";

/** Why Parley dropped a WebSocket peer. */
export type DropReason = "idle" | "slow_client" | "no_start";

/** The limits one WebSocket connection lives under. */
export interface WebSocketPeerLimits {
  /** Bytes that may wait unsent; past them the peer has stopped reading. */
  maxBufferedBytes: number;
  /** How long a peer may neither answer pings nor send, and how long it has to start a stream. */
  idleTimeoutMs: number;
}

/**
 * The upkeep of one WebSocket connection: every message to the peer goes through a bounded send
 * buffer (ws would otherwise keep whatever a peer that stopped reading is sent), pings keep the
 * connection alive, and a peer that answers neither pings nor sends for the idle timeout, or has
 * not started a stream by then, is dropped. Its timers live and die with the connection.
 */
export class WebSocketPeer {
  #dropped = false;
  #heard = true;
  #started = false;
  readonly #keepalive: ReturnType<typeof setInterval>;
  readonly #startDeadline: ReturnType<typeof setTimeout>;

  /** `onDrop` is told once, before the socket is cut, why the peer is dropped. */
  constructor(readonly socket: WebSocket, readonly limits: WebSocketPeerLimits, readonly onDrop: (reason: DropReason) => void) {
    const heard = () => (this.#heard = true);
    socket.on("pong", heard);
    socket.on("message", heard);
    // Checked twice per timeout: a peer silent through one whole check period was pinged and did not answer.
    this.#keepalive = setInterval(() => this.#checkAlive(), limits.idleTimeoutMs / 2);
    this.#startDeadline = setTimeout(() => this.#started || this.drop("no_start"), limits.idleTimeoutMs);
    socket.on("close", () => this.#stopTimers());
  }

  /** False once the peer was dropped or the socket is no longer open: nothing it sends counts any more. */
  get open(): boolean {
    return !this.#dropped && this.socket.readyState === this.socket.OPEN;
  }

  /** Records that the peer started its stream (the start deadline no longer applies). */
  started(): void {
    this.#started = true;
    clearTimeout(this.#startDeadline);
  }

  /** Sends a message unless the peer has let the bound fill up, in which case it is dropped instead. */
  send(message: string | Uint8Array): void {
    if (!this.open) return;
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (this.socket.bufferedAmount + size > this.limits.maxBufferedBytes) {
      this.drop("slow_client");
      return;
    }
    this.socket.send(message);
  }

  /** Closes the connection normally (the session ended). */
  close(code: number, reason: string): void {
    this.#stopTimers();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  /** Drops the peer at once: tells `onDrop`, then cuts the socket without a closing handshake. */
  drop(reason: DropReason): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#stopTimers();
    try {
      this.onDrop(reason);
    } finally {
      this.socket.terminate();
    }
  }

  #checkAlive(): void {
    if (!this.#heard) {
      this.drop("idle");
      return;
    }
    this.#heard = false;
    if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
  }

  #stopTimers(): void {
    clearInterval(this.#keepalive);
    clearTimeout(this.#startDeadline);
  }
}
