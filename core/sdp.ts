import { ParleyError } from "./errors.ts";

/** One payload format from an SDP media section. */
export interface SdpFormat {
  payloadType: number;
  /** Encoding name in lower case: "opus", "pcmu", "telephone-event", ... */
  name: string;
  clockRate: number;
  channels: number;
  fmtp?: string;
}

/** What Parley needs from an audio offer: where to send, which formats, and the RTCP options. */
export interface SdpOffer {
  address: string;
  port: number;
  /** Formats in the offer's order of preference. */
  formats: SdpFormat[];
  rtcpMux: boolean;
  rtcpPort?: number;
  ptime?: number;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
}

/** Static payload types of RFC 3551 that carry audio Parley can decode. */
const STATIC_FORMATS: Record<number, Omit<SdpFormat, "payloadType">> = {
  0: { name: "pcmu", clockRate: 8000, channels: 1 },
  8: { name: "pcma", clockRate: 8000, channels: 1 },
  11: { name: "l16", clockRate: 44100, channels: 1 },
};

const DIRECTIONS = new Set(["sendrecv", "sendonly", "recvonly", "inactive"]);

function bad(message: string): ParleyError {
  return new ParleyError("PARLEY_ERR_BAD_SDP", message);
}

function parseConnection(value: string): string {
  const [net, type, address] = value.split(" ");
  if (net !== "IN" || (type !== "IP4" && type !== "IP6") || !address) throw bad(`bad c= line "c=${value}"`);
  return address.split("/")[0];
}

/** Parses the first audio section of an SDP offer; throws PARLEY_ERR_BAD_SDP saying what is wrong. */
export function parseSdpOffer(text: string): SdpOffer {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines[0] !== "v=0") throw bad('the first line must be "v=0"');
  let sessionAddress: string | undefined;
  let audio: { address?: string; port: number; payloadTypes: number[]; attributes: string[] } | undefined;
  let inOtherMedia = false;
  for (const line of lines) {
    if (line[1] !== "=") throw bad(`line "${line.slice(0, 40)}" is not of the form x=value`);
    const kind = line[0];
    const value = line.slice(2);
    if (kind === "m") {
      const [media, port, proto, ...formats] = value.split(" ");
      if (media !== "audio" || audio) {
        inOtherMedia = true;
        continue;
      }
      inOtherMedia = false;
      const portNumber = Number(port.split("/")[0]);
      if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) throw bad(`bad port "${port}" in m=audio`);
      if (!proto || !/^RTP\/S?AVPF?$/.test(proto)) throw bad(`unsupported transport "${proto}" (expected RTP/AVP)`);
      const payloadTypes = formats.map(Number);
      if (payloadTypes.length === 0 || payloadTypes.some((pt) => !Number.isInteger(pt) || pt < 0 || pt > 127)) {
        throw bad(`bad payload types "${formats.join(" ")}" in m=audio`);
      }
      audio = { port: portNumber, payloadTypes, attributes: [] };
    } else if (kind === "c") {
      const address = parseConnection(value);
      if (!audio) sessionAddress = address;
      else if (!inOtherMedia) audio.address = address;
    } else if (kind === "a" && audio && !inOtherMedia) {
      audio.attributes.push(value);
    }
  }
  if (!audio) throw bad("no m=audio section");
  const address = audio.address ?? sessionAddress;
  if (!address) throw bad("no c= connection address");

  const formats = new Map<number, SdpFormat>();
  for (const pt of audio.payloadTypes) {
    const known = STATIC_FORMATS[pt];
    if (known) formats.set(pt, { payloadType: pt, ...known });
  }
  let rtcpMux = false;
  let rtcpPort: number | undefined;
  let ptime: number | undefined;
  let direction: SdpOffer["direction"] = "sendrecv";
  for (const attribute of audio.attributes) {
    const colon = attribute.indexOf(":");
    const name = colon < 0 ? attribute : attribute.slice(0, colon);
    const value = colon < 0 ? "" : attribute.slice(colon + 1);
    if (name === "rtpmap") {
      const match = /^(\d+) ([\w.-]+)\/(\d+)(?:\/(\d+))?$/.exec(value);
      if (!match) throw bad(`bad a=rtpmap "${value}"`);
      const pt = Number(match[1]);
      if (!audio.payloadTypes.includes(pt)) continue;
      formats.set(pt, {
        payloadType: pt,
        name: match[2].toLowerCase(),
        clockRate: Number(match[3]),
        channels: match[4] ? Number(match[4]) : 1,
        fmtp: formats.get(pt)?.fmtp,
      });
    } else if (name === "fmtp") {
      const space = value.indexOf(" ");
      const pt = Number(value.slice(0, space));
      const format = formats.get(pt);
      if (format) format.fmtp = value.slice(space + 1);
    } else if (name === "rtcp-mux") rtcpMux = true;
    else if (name === "rtcp") {
      const port = Number(value.split(" ")[0]);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw bad(`bad a=rtcp "${value}"`);
      rtcpPort = port;
    } else if (name === "ptime") ptime = Number(value) || undefined;
    else if (DIRECTIONS.has(name)) direction = name as SdpOffer["direction"];
  }
  const ordered = audio.payloadTypes.map((pt) => formats.get(pt)).filter((f): f is SdpFormat => f !== undefined);
  return { address, port: audio.port, formats: ordered, rtcpMux, rtcpPort, ptime, direction };
}

/** What Parley answers with. */
export interface SdpAnswerParams {
  address: string;
  port: number;
  format: SdpFormat;
  telephoneEvent?: SdpFormat;
  rtcpMux: boolean;
  direction: SdpOffer["direction"];
  sessionId: string;
  ptime?: number;
}

const ANSWER_DIRECTION: Record<SdpOffer["direction"], SdpOffer["direction"]> = {
  sendrecv: "sendrecv",
  sendonly: "recvonly",
  recvonly: "sendonly",
  inactive: "inactive",
};

/** Encoding names as SDP spells them (they are case-insensitive, but peers have habits). */
const SDP_NAMES: Record<string, string> = { pcmu: "PCMU", pcma: "PCMA", l16: "L16" };

/** Writes an SDP answer for one audio stream. */
export function writeSdpAnswer(params: SdpAnswerParams): string {
  const ip = params.address.includes(":") ? "IP6" : "IP4";
  const { format, telephoneEvent } = params;
  const payloadTypes = [format.payloadType, ...(telephoneEvent ? [telephoneEvent.payloadType] : [])];
  const rtpmap = (f: SdpFormat) =>
    `a=rtpmap:${f.payloadType} ${SDP_NAMES[f.name] ?? f.name}/${f.clockRate}${f.channels > 1 ? `/${f.channels}` : ""}`;
  const lines = [
    "v=0",
    `o=parley ${Date.now()} 1 IN ${ip} ${params.address}`,
    "s=parley",
    `c=IN ${ip} ${params.address}`,
    "t=0 0",
    `m=audio ${params.port} RTP/AVP ${payloadTypes.join(" ")}`,
    rtpmap(format),
    ...(format.fmtp ? [`a=fmtp:${format.payloadType} ${format.fmtp}`] : []),
    ...(telephoneEvent ? [rtpmap(telephoneEvent), `a=fmtp:${telephoneEvent.payloadType} 0-16`] : []),
    ...(params.ptime ? [`a=ptime:${params.ptime}`] : []),
    ...(params.rtcpMux ? ["a=rtcp-mux"] : [`a=rtcp:${params.port + 1}`]),
    `a=${ANSWER_DIRECTION[params.direction]}`,
  ];
  return lines.join("\r\n") + "\r\n";
}
