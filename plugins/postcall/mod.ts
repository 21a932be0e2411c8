// The postcall plugin's public face.
export { postcall, PostcallOptions } from "./plugin.ts";
export { type ScorecardInput, ScorecardOptions, scorecardRules, scoreCall } from "./scorecard.ts";
export { buildRecord, type BuildOptions } from "./build.ts";
export type { CallEvents, LegEvents, ObservedEvent } from "./call-events.ts";
export { SIGNATURE_HEADER, signPayload, verifySignature } from "./signature.ts";
export { backoffMs, type OutboxEntry } from "./outbox.ts";
export { PostCallRecordSchema } from "./record.ts";
export type * from "./record.ts";
