// The thread priority seam moved to core, shared by every plugin's workers; the recognition worker imports it from here.
export { lowerThreadPriority } from "../../core/thread-priority.ts";
