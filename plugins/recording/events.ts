// The recording plugin's events, declared once: TypeBox schemas (registered for the serializers)
// whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, Type } from "../../core/mod.ts";

/** The recording plugin's events. */
export const RECORDING_EVENTS = defineEvents({
  /** The call is being recorded: its files' base name in the recordings directory, and the rate. */
  "recording.started": Type.Object({ recordingId: Type.String(), sampleRate: Type.Number() }),
  /** The API paused the recording: both channels are silence until `recording.resumed`. */
  "recording.paused": Type.Object({ recordingId: Type.String() }),
  /** The API resumed a paused recording. */
  "recording.resumed": Type.Object({ recordingId: Type.String() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof RECORDING_EVENTS> {}
}
