// A phone for tests made of real clients: one ffmpeg streams a prepared recording to Parley as RTP
// (Opus or PCMU) in real time, a second ffmpeg records what Parley sends back. The call is placed
// through the HTTP API with an SDP offer, as a SIP gateway would. Test code only.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeUdpPortPair, http, readPcm, type RunningProcess, spawnFfmpeg } from "./testing.ts";

/** How each codec is offered and encoded; the raw PCM rate is the codec's speech band, so ffmpeg never resamples what a test compares. */
const CODEC_LINES = {
  pcmu: { payloadType: 0, rtpmap: "PCMU/8000", rate: 8000, encoder: ["-af", "asetnsamples=n=160:p=0", "-c:a", "pcm_mulaw"] },
  opus: { payloadType: 97, rtpmap: "opus/48000/2", rate: 16000, encoder: ["-c:a", "libopus", "-b:a", "32k", "-application", "voip"] },
} as const;

/** A caller on plain RTP driven by two ffmpeg processes: `call` places it, `recorded` reads what it heard so far. */
export class FfmpegPhone {
  /** Rate of the PCM the phone sends (its script) and records. */
  readonly rate: number;
  /** Parley's session id, once called. */
  sessionId = "";
  #sender?: RunningProcess;
  #recorder?: RunningProcess;
  readonly #recordPath: string;
  readonly #timelinePath: string;

  /** `dir` holds the phone's files; `name` keeps them apart from other phones'. */
  constructor(readonly codec: "opus" | "pcmu", readonly dir: string, readonly name: string) {
    this.rate = CODEC_LINES[codec].rate;
    this.#recordPath = join(dir, `${name}-heard.raw`);
    this.#timelinePath = join(dir, `${name}-timeline.raw`);
  }

  /** Places the call (`POST /v1/rtp` with an SDP offer) and streams `script` (mono PCM at `rate`) in real time; returns the session id. */
  async call(baseUrl: string, script: Int16Array, headers: Record<string, string> = {}): Promise<string> {
    const line = CODEC_LINES[this.codec];
    const recordPort = await freeUdpPortPair();
    const offer = [
      "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=ffmpeg", "c=IN IP4 127.0.0.1", "t=0 0",
      `m=audio ${recordPort} RTP/AVP ${line.payloadType}`, `a=rtpmap:${line.payloadType} ${line.rtpmap}`, "a=sendrecv", "",
    ].join("\r\n");
    const sdpPath = join(this.dir, `${this.name}.sdp`);
    writeFileSync(sdpPath, offer);
    const seconds = script.length / this.rate;
    this.#recorder = spawnFfmpeg(
      [
        "-protocol_whitelist", "file,udp,rtp", "-i", sdpPath,
        "-ac", "1", "-ar", String(this.rate), "-flush_packets", "1", "-f", "s16le", this.#recordPath,
        // The same audio laid on its RTP timeline: a pause of 10 ms or more in which Parley sent nothing becomes silence.
        "-ac", "1", "-ar", String(this.rate), "-af", "aresample=async=1:min_hard_comp=0.01", "-flush_packets", "1", "-f", "s16le", this.#timelinePath,
      ],
      (seconds + 60) * 1000,
    );
    const answer = await http(baseUrl, "/v1/rtp?symmetric=false", { method: "POST", contentType: "application/sdp", body: offer, headers });
    if (answer.status !== 201) throw new Error(`the call was refused: ${answer.status} ${answer.text}`);
    const parleyPort = Number(/^m=audio (\d+) /m.exec(answer.text)?.[1]);
    this.sessionId = answer.headers.get("location")!.split("/").pop()!;
    const scriptPath = join(this.dir, `${this.name}-script.raw`);
    writeFileSync(scriptPath, new Uint8Array(script.buffer, script.byteOffset, script.byteLength));
    this.#sender = spawnFfmpeg(
      ["-re", "-f", "s16le", "-ar", String(this.rate), "-ac", "1", "-i", scriptPath, ...line.encoder, "-payload_type", String(line.payloadType), "-f", "rtp", `rtp://127.0.0.1:${parleyPort}`],
      (seconds + 30) * 1000,
    );
    return this.sessionId;
  }

  /** Resolves when the sender has streamed the whole script (or was stopped). */
  async sent(): Promise<void> {
    await this.#sender?.done;
  }

  /** What the recorder has written so far, mono PCM at `rate`: the packets' audio end to end. */
  recorded(): Int16Array {
    return readPcm(this.#recordPath);
  }

  /** What the recorder has written so far on the RTP timeline, mono PCM at `rate`: silence where Parley sent no packets, so it lines up with the call's time. */
  recordedTimeline(): Int16Array {
    return readPcm(this.#timelinePath);
  }

  /** Stops sending (the caller goes quiet; Parley is not told). */
  stopSending(): void {
    this.#sender?.stop(500);
  }

  /** Stops both processes and waits for them. */
  async close(): Promise<void> {
    this.#sender?.stop(500);
    this.#recorder?.stop(500);
    await Promise.all([this.#sender?.done, this.#recorder?.done]);
  }
}
