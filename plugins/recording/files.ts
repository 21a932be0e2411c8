// Where a recording's files live: `<id>.wav` (the audio; `<id>.wav.enc` when encrypted; `<id>.ogg`
// once encoded to Ogg Opus, when that is the format), `<id>.journal` (JSON lines, only while
// it is being recorded or until an interrupted one is finalised) and `<id>.json` (the metadata
// document, written last: its presence means the recording is final).
import { join } from "node:path";

/** The files of one recording. */
export interface RecordingFiles {
  /** The base name: the session id, made safe as a file name. */
  base: string;
  wav: string;
  /** The audio once encoded to Ogg Opus. */
  ogg: string;
  /** The audio when recordings are encrypted. */
  encrypted: string;
  journal: string;
  document: string;
}

/** Extension of a journal file. */
export const JOURNAL_EXTENSION = ".journal";

/** The files of the recording of session `id` in `directory`. */
export function recordingFiles(directory: string, id: string): RecordingFiles {
  const base = id.replace(/[^A-Za-z0-9._-]/g, "_");
  return { base, wav: join(directory, `${base}.wav`), ogg: join(directory, `${base}.ogg`), encrypted: join(directory, `${base}.wav.enc`), journal: join(directory, `${base}${JOURNAL_EXTENSION}`), document: join(directory, `${base}.json`) };
}
