// What this process holds open, read from Linux's /proc: a leak of sockets or files shows there
// long before it exhausts a limit.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Open file descriptors and, among them, UDP sockets (IPv4 and IPv6). */
export interface OpenDescriptors {
  fds: number;
  udpSockets: number;
}

/** Socket inodes of every UDP socket on the machine, from a /proc/net table. */
function udpInodes(table: string): Set<string> {
  const inodes = new Set<string>();
  let text: string;
  try {
    text = readFileSync(table, "utf8");
  } catch {
    return inodes;
  }
  // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
  for (const line of text.split("\n").slice(1)) {
    const inode = line.trim().split(/\s+/)[9];
    if (inode) inodes.add(inode);
  }
  return inodes;
}

/** This process's open descriptors and UDP sockets; null where /proc is not there (not Linux). */
export function openDescriptors(): OpenDescriptors | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc/self/fd");
  } catch {
    return null;
  }
  const udp = new Set([...udpInodes("/proc/self/net/udp"), ...udpInodes("/proc/self/net/udp6")]);
  let fds = 0;
  let udpSockets = 0;
  for (const entry of entries) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // closed between the listing and the read (the listing's own descriptor is one)
    }
    fds++;
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket && udp.has(socket[1]!)) udpSockets++;
  }
  return { fds, udpSockets };
}
