// Which ICE candidates Parley will check. A peer names the addresses Parley sends connectivity
// checks to, so a hostile offer could aim them at a whole subnet (broadcast), a multicast group,
// or nowhere (unspecified): such candidates are dropped, and a peer gets only so many.

/** Candidates one PATCH may carry, and one session may gather from its peer in all. */
export const MAX_CANDIDATES_PER_REQUEST = 20;
export const MAX_CANDIDATES_PER_SESSION = 50;

/** The connection address of an `a=candidate:` / `candidate:` line (its fifth field), if it has one. */
export function candidateAddress(line: string): string | undefined {
  return line.replace(/^a=/, "").trim().split(/\s+/)[4];
}

/** True for addresses no check may go to: unspecified, limited broadcast, IPv4 and IPv6 multicast. */
export function isForbiddenCandidateAddress(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === "0.0.0.0" || lower === "::" || lower === "255.255.255.255") return true;
  const firstOctet = /^(\d{1,3})\./.exec(lower)?.[1];
  if (firstOctet !== undefined && Number(firstOctet) >= 224 && Number(firstOctet) <= 239) return true;
  return lower.startsWith("ff") && lower.includes(":");
}

/** The offer without candidate lines that name forbidden addresses; how many were dropped. */
export function withoutForbiddenCandidates(sdp: string): { sdp: string; dropped: number } {
  let dropped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith("a=candidate:")) return true;
    const address = candidateAddress(line);
    const forbidden = address === undefined || isForbiddenCandidateAddress(address);
    if (forbidden) dropped++;
    return !forbidden;
  });
  return { sdp: lines.join("\r\n"), dropped };
}
