// The recording plugin's coded errors (its part of the catalogue, core/errors.ts): the ones the
// encryption of recordings, `parley recording decrypt` and the recording formats give. Registered on import, so the
// command, which loads no plugin host, gets them coded too.
import { type ErrorEntry, ParleyError, type ParleyErrorCode, registerErrorCodes } from "../../core/errors.ts";

/** The recording plugin's codes: HTTP status and message template. */
export const RECORDING_ERRORS = registerErrorCodes({
  PARLEY_ERR_RECORDING_KEY: [500, "Unusable recording key: %s"],
  PARLEY_ERR_RECORDING_NOT_ENCRYPTED: [400, "%s is not an encrypted Parley recording (%s)"],
  PARLEY_ERR_RECORDING_WRONG_KEY: [400, "The recording is encrypted for the key %s; this private key is %s"],
  PARLEY_ERR_RECORDING_DAMAGED: [400, "The recording is damaged or was altered: %s"],
  PARLEY_ERR_RECORDING_FORMAT: [500, "Recordings cannot be made as %s: %s"],
} satisfies Record<string, ErrorEntry>);

/** Makers of the recording plugin's coded errors, by code. */
export const recordingError = Object.fromEntries(
  Object.keys(RECORDING_ERRORS).map((code) => [code, (...args: string[]) => new ParleyError(code as ParleyErrorCode, ...args)]),
) as Record<keyof typeof RECORDING_ERRORS, (...args: string[]) => ParleyError>;
