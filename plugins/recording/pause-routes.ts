// The recording plugin's HTTP API: pause and resume a call's recording (PCI: the caller is about to
// give a card number to a person). A paused recording goes on as silence in both channels, so its
// length stays true, and the pause is listed in its metadata document.
import { jsonResponse, ParleyError, type PluginContext, requestPrincipal } from "../../core/mod.ts";
import type { ThreadedRecording } from "./recorder-thread.ts";

/** Who may pause a recording: admins and supervisors any, an agent the call it is on. */
const ACCESS = { roles: ["admin", "supervisor", "agent"] } as const;

/** A recording in progress, and the agent on the call (from the routing plugin's `queue.answered`), if any. */
export interface RecordedCall {
  recorder: ThreadedRecording;
  agentId?: string;
}

/** Registers the pause and resume routes over the recordings in progress, by session id. */
export function registerPauseRoutes(context: PluginContext, calls: ReadonlyMap<string, RecordedCall>): void {
  const notRecording = context.errors.register("PARLEY_ERR_RECORDING_NOT_FOUND", "no recording in progress for session %s", 404);
  const alreadyPaused = context.errors.register("PARLEY_ERR_RECORDING_ALREADY_PAUSED", "the recording of session %s is paused already", 409);
  const notPaused = context.errors.register("PARLEY_ERR_RECORDING_NOT_PAUSED", "the recording of session %s is not paused", 409);
  const recorderOf = (request: Request, id: string) => {
    const call = calls.get(id);
    if (!call) throw notRecording(id);
    const principal = requestPrincipal(request);
    if (principal.role === "agent" && principal.agentId !== call.agentId) throw new ParleyError("PARLEY_ERR_FORBIDDEN", "an agent pauses and resumes only the recording of the call it is on");
    return call.recorder;
  };
  const session = (id: string) => context.sessions().find((candidate) => candidate.id === id);

  const actions = [
    { action: "pause", paused: true, run: (recorder: ThreadedRecording) => recorder.pause(Date.now()), refused: alreadyPaused, summary: "Pauses a call's recording: both channels are silence until it is resumed (an agent: its own call; 409 when paused already)" },
    { action: "resume", paused: false, run: (recorder: ThreadedRecording) => recorder.resume(Date.now()), refused: notPaused, summary: "Resumes a paused recording (an agent: its own call; 409 when it is not paused)" },
  ] as const;
  for (const { action, paused, run, refused, summary } of actions) {
    context.route("POST", `/v1/sessions/:id/recording/${action}`, (request, params) => {
      const id = params.id!;
      const recorder = recorderOf(request, id);
      if (!run(recorder)) throw refused(id);
      const recordingId = recorder.files.base;
      session(id)?.emit(paused ? { type: "recording.paused", recordingId, source: context.name } : { type: "recording.resumed", recordingId, source: context.name });
      return jsonResponse({ sessionId: id, recordingId, paused });
    }, { access: ACCESS, doc: { summary } });
  }
}
