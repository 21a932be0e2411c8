// Lowers the calling thread's CPU priority, so that worker threads doing heavy work (speech
// recognition, voice analysis) yield the CPU to the media path (the main thread's event loop)
// when the machine is busy. The step is relative to the nice value the thread inherited from the
// main thread, so a server started under `nice` keeps its workers below its media path. Linux
// only: there a thread has a nice value of its own, and setpriority(PRIO_PROCESS, 0, n) changes
// the calling thread's alone; elsewhere the same call would slow the whole process, so it is not
// made. Workers import this file directly rather than core/mod.ts, which would load the whole
// server into every worker.
import koffi from "koffi";

const PRIO_PROCESS = 0;

/** Raises the calling thread's nice value by `niceness` steps (capped at 19; higher yields more); true when it took effect. Raising it needs no privilege. */
export function lowerThreadPriority(niceness: number): boolean {
  if (process.platform !== "linux" || niceness <= 0) return false;
  try {
    const libc = koffi.load("libc.so.6");
    const getpriority = libc.func("int getpriority(int which, unsigned int who)");
    const setpriority = libc.func("int setpriority(int which, unsigned int who, int prio)");
    return setpriority(PRIO_PROCESS, 0, Math.min(19, getpriority(PRIO_PROCESS, 0) + Math.round(niceness))) === 0;
  } catch {
    return false;
  }
}
