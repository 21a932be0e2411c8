// CPU time of this process's child processes of one name (mediasoup's workers), read from /proc:
// process.cpuUsage() counts only this process, and the mediasoup edge moves WebRTC's work out of it.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User and system CPU, in ms, of this process's children whose command line matches `pattern` (0 where there is no /proc). */
export function childCpuMs(pattern: string): number {
  let ticks = 0;
  for (const pid of childPids()) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(pattern)) continue;
      // Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th, stime the 15th.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The child exited between the listing and the read.
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}

/**
 * This process's children, from each thread's /proc children list: read in place rather than by
 * running pgrep, whose synchronous wait stalled the event loop being measured by 25-50 ms.
 */
function childPids(): string[] {
  try {
    return readdirSync("/proc/self/task").flatMap((tid) => readFileSync(`/proc/self/task/${tid}/children`, "utf8").trim().split(" ").filter(Boolean));
  } catch {
    return [];
  }
}
