// The public face of Parley's core: what embedding code and plugins import.
export { createServer, ParleyServer, type NewSession } from "./server.ts";
export { type ParleyConfig, type ResolvedConfig, resolveConfig, loadConfigFile } from "./config.ts";
export { definePlugin, type JsonSchema, type Plugin, type SessionWork } from "./plugin.ts";
export type { PluginServer } from "./PluginHost.ts";
export { type Closable, holdEngine, type SharedHandle, SharedResources } from "./shared-resources.ts";
export type { CloseInfo, Session, SessionInfo, SessionTransport } from "./Session.ts";
export { FINISHING_GRACE_MS } from "./Session.ts";
export type { AudioSource, Playback, PlaybackResult, PlayOptions } from "./Player.ts";
export { type EventEnvelope, type EventInput, type EventMap, type EventSchema, eventSchema, registerEventSchema, serializeEvent, type SessionEvent } from "./events.ts";
export { ParleyError, type ParleyErrorCode } from "./errors.ts";
export { Metrics } from "./metrics.ts";
export { CODECS, type CodecSpec } from "./codecs.ts";
export type { RtpSessionCreated, RtpSessionRequest } from "./rtp/RtpTransport.ts";
export type { AudioFrame } from "../media/frame.ts";
export type { ApiResponse, RouteHandler } from "./http/HttpApi.ts";
export type { Access } from "./http/auth.ts";
export { mediaType, readBytes } from "./http/body.ts";
export { startWorker } from "./worker-thread.ts";
