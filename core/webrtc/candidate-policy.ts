// Which ICE candidates Parley will check. A peer names the addresses Parley sends connectivity
// checks to, so a hostile offer could aim them at a whole subnet (broadcast), a multicast group,
// or nowhere (unspecified), or make Parley resolve names (DNS, or mDNS queries sent to a multicast
// group): only candidates naming a unicast IP address are kept, and a peer gets only so many.
import { isIPv4, isIPv6 } from "node:net";

/** Candidates one PATCH may carry, and one session may take from its peer in all (offer and trickles). */
export const MAX_CANDIDATES_PER_REQUEST = 20;
export const MAX_CANDIDATES_PER_SESSION = 50;

/**
 * Why a candidate is not checked: `hostname` (a DNS or mDNS name, which Parley does not resolve)
 * or `unsupported` (a TCP candidate; Parley's ICE is UDP), which RFC 9725 says to discard
 * silently; or a line no honest peer sends: `malformed` (fields missing, a port outside 1-65535)
 * or a forbidden address (`unspecified`, `broadcast`, `multicast`, `reserved`).
 */
export type CandidateRefusal = "hostname" | "unsupported" | "malformed" | "unspecified" | "broadcast" | "multicast" | "reserved";

/** The connection address of an `a=candidate:` / `candidate:` line (its fifth field), if it has one. */
export function candidateAddress(line: string): string | undefined {
  return line.replace(/^a=/, "").trim().split(/\s+/)[4];
}

function ipv4Refusal(address: string): CandidateRefusal | undefined {
  const [first] = address.split(".").map(Number) as [number];
  if (first === 0) return "unspecified";
  if (address === "255.255.255.255") return "broadcast";
  if (first >= 224 && first <= 239) return "multicast";
  if (first >= 240) return "reserved";
  return undefined;
}

function ipv6Refusal(address: string): CandidateRefusal | undefined {
  const lower = address.toLowerCase().replace(/%.*$/, "");
  // An IPv4 address written in IPv6 (::ffff:224.0.0.1) is sent to as that IPv4 address.
  const embedded = /:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (embedded) return ipv4Refusal(embedded);
  if (/^[0:]+$/.test(lower)) return "unspecified";
  if (lower.startsWith("ff")) return "multicast";
  return undefined;
}

/** Why Parley will not check an address, or undefined for a unicast IP address it will. */
export function candidateAddressRefusal(address: string | undefined): CandidateRefusal | undefined {
  if (address === undefined) return "malformed";
  if (isIPv4(address)) return ipv4Refusal(address);
  if (isIPv6(address)) return ipv6Refusal(address);
  return "hostname";
}

/** Why Parley will not check the candidate of an `a=candidate:` / `candidate:` line, or undefined if it will. */
export function candidateRefusal(line: string): CandidateRefusal | undefined {
  const [foundation, component, transport, priority, address, port, typ, type] = line.replace(/^a=/, "").trim().split(/\s+/);
  const wellFormed = foundation && /^\d+$/.test(component ?? "") && /^\d+$/.test(priority ?? "") && typ === "typ" && type &&
    /^\d+$/.test(port ?? "") && Number(port) >= 1 && Number(port) <= 65535;
  if (!wellFormed) return "malformed";
  if (transport!.toLowerCase() !== "udp") return "unsupported";
  return candidateAddressRefusal(address);
}

/** True for a refusal that only a hostile peer causes (the request is refused, not just the candidate). */
export function isHostileRefusal(refusal: CandidateRefusal): boolean {
  return refusal !== "hostname" && refusal !== "unsupported";
}

/** What `screenOffer` made of an offer's candidate lines. */
export interface ScreenedOffer {
  /** The offer without the refused candidate lines. */
  sdp: string;
  /** Candidate lines the offer carried, refused or not. */
  candidates: number;
  /** Refused candidate lines, by reason. */
  refused: Partial<Record<CandidateRefusal, number>>;
}

/** The offer without the candidate lines Parley will not check (werift checks every candidate of an offer). */
export function screenOffer(sdp: string): ScreenedOffer {
  let candidates = 0;
  const refused: Partial<Record<CandidateRefusal, number>> = {};
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith("a=candidate:")) return true;
    candidates++;
    const refusal = candidateRefusal(line);
    if (refusal) refused[refusal] = (refused[refusal] ?? 0) + 1;
    return !refusal;
  });
  return { sdp: lines.join("\r\n"), candidates, refused };
}
