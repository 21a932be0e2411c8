// The recording plugin's public face.
export { DEFAULT_KEPT_EVENTS, recording, RecordingOptions } from "./plugin.ts";
export { eventFilter } from "./event-filter.ts";
export { RECORDING_EVENTS } from "./events.ts";
export type { Channel, MaskedInterval, Participant, Presence, RecordingDocument } from "./document.ts";
export type { MaskReason } from "./masker.ts";
export { type RecordingFiles, recordingFiles } from "./files.ts";
export { recoverRecordings } from "./recover.ts";
export type { AudioEncryption } from "./document.ts";
export { fingerprintText, type RecordingPrivateKey, recordingPrivateKey, type RecordingPublicKey, recordingPublicKey } from "./envelope.ts";
export { type DecryptedRecording, decryptRecordingFile } from "./decrypt.ts";
