// Turns an encrypted recording back into a playable WAV with the private key (what
// `parley recording decrypt` runs). The file is read and decrypted piece by piece, so an hour's
// call never sits in memory; the WAV's sizes are written at the end, and the WAV appears (by a
// rename) only once every whole chunk has decrypted, so a wrong key or a damaged file leaves none.
// Its metadata document opens the same way: its sealed events become its events again.
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import type { RecordingDocument } from "./document.ts";
import { recordingError } from "./errors.ts";
import { openSealedEvents } from "./sealed-events.ts";
import { WAV_HEADER_BYTES, wavHeader } from "../../media/wav.ts";
import { fingerprintText, type RecordingPrivateKey } from "./envelope.ts";
import { type DecryptionEnd, RecordingDecryptor } from "./encrypted-format.ts";

/** What a decrypted recording held. */
export interface DecryptedRecording extends DecryptionEnd {
  sampleRate: number;
  channels: number;
  /** Sample bytes written to the WAV. */
  dataBytes: number;
  /** The fingerprint of the key it was encrypted for. */
  keyFingerprint: string;
}

const READ_BYTES = 1 << 16;

/** Decrypts the recording at `input` into a WAV at `output` (replaced if it exists); throws the format's coded errors. */
export async function decryptRecordingFile(input: string, output: string, key: RecordingPrivateKey): Promise<DecryptedRecording> {
  const decryptor = new RecordingDecryptor(key, input);
  const temporary = `${output}.${randomBytes(4).toString("hex")}.tmp`;
  const source = await open(input, "r");
  let target;
  try {
    target = await open(temporary, "wx", 0o600);
    let dataBytes = 0;
    const buffer = new Uint8Array(READ_BYTES);
    for (let read = await source.read(buffer, 0, READ_BYTES, null); read.bytesRead > 0; read = await source.read(buffer, 0, READ_BYTES, null)) {
      for (const samples of await decryptor.push(buffer.slice(0, read.bytesRead))) {
        await target.write(samples, 0, samples.length, WAV_HEADER_BYTES + dataBytes);
        dataBytes += samples.length;
      }
    }
    const end = decryptor.end();
    const header = decryptor.header!;
    await target.write(wavHeader(header.sampleRate, header.channels, dataBytes), 0, WAV_HEADER_BYTES, 0);
    await target.close();
    target = undefined;
    await rename(temporary, output);
    return { ...end, sampleRate: header.sampleRate, channels: header.channels, dataBytes, keyFingerprint: fingerprintText(header.fingerprint) };
  } catch (error) {
    await target?.close();
    await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    await source.close();
  }
}

/** Opens the sealed events of the metadata document at `input` into a document at `output` with every event in the clear; resolves with how many. */
export async function decryptDocumentFile(input: string, output: string, key: RecordingPrivateKey): Promise<{ events: number; keyFingerprint: string }> {
  let document: RecordingDocument;
  try {
    document = JSON.parse(await readFile(input, "utf8")) as RecordingDocument;
  } catch (error) {
    throw recordingError.PARLEY_ERR_RECORDING_NOT_ENCRYPTED(input, `it is not a metadata document (${(error as Error).message})`);
  }
  const sealed = document.sealedEvents;
  if (!sealed) throw recordingError.PARLEY_ERR_RECORDING_NOT_ENCRYPTED(input, "its events are not sealed: nothing to decrypt");
  const { events: sealedEvents, ...sealing } = sealed;
  const events = openSealedEvents(sealing, sealedEvents, document.id, key);
  const { sealedEvents: _sealed, ...rest } = document;
  const temporary = `${output}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, JSON.stringify({ ...rest, events }, null, 2) + "\n", { mode: 0o600 });
  await rename(temporary, output);
  return { events: events.length, keyFingerprint: sealed.keyFingerprint };
}
