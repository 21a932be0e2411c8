// Which of this host's addresses another host reaches it at, when nothing was configured.
import { networkInterfaces } from "node:os";

/** This host's first IPv4 address that is not loopback, if it has one. */
export function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === "IPv4" && !entry.internal) return entry.address;
  }
  return undefined;
}
