// The transports a server has unless told otherwise. None loads its heavy library (werift, ws)
// until the server starts it.
import { RtpTransport } from "./rtp/RtpTransport.ts";
import type { Transport } from "./transport.ts";
import { WhipTransport } from "./webrtc/WhipTransport.ts";
import { WebSocketTransport } from "./websocket/WebSocketTransport.ts";

/** Plain RTP, WHIP and WebSocket media, new instances for one server. */
export function defaultTransports(): Transport[] {
  return [new RtpTransport(), new WhipTransport(), new WebSocketTransport()];
}
