// The one way a test says it cannot run here (a tool, a library or a data file is missing): it
// calls `skip(reason)` and returns. The test runner (scripts/test.ts) counts that test as skipped,
// never as passed, and lists the reason at the end; under PARLEY_STRICT=1 (CI) the skip throws, so
// the test fails. Test code only.

let collect: ((reason: string) => void) | undefined;

/** Called by the test runner: from now on skips are handed to `collector` instead of printed. */
export function collectSkips(collector: (reason: string) => void): void {
  collect = collector;
}

/** Skips the running test because of `reason` and returns false (for `if (!...) return;`); throws under PARLEY_STRICT=1. */
export function skip(reason: string): false {
  if (process.env.PARLEY_STRICT === "1") throw new Error(`PARLEY_STRICT=1 and this test cannot run: ${reason}`);
  if (collect) collect(reason);
  else console.log(`SKIP: ${reason}`);
  return false;
}

/** True when `condition` holds; otherwise skips the running test because of `reason` (see `skip`). */
export function skipUnless(condition: boolean, reason: string): boolean {
  return condition || skip(reason);
}
