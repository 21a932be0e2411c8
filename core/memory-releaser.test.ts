import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryReleaser } from "./memory-releaser.ts";
import { canReleaseFreedMemory } from "./release-memory.ts";
import { skipUnless } from "./test-skip.ts";

const MB = 1024 * 1024;

/** Counters as the releaser sees them, as plain numbers. */
function counters() {
  const seen = { releases: 0, bytes: 0 };
  return { seen, memoryReleases: { inc: (n = 1) => void (seen.releases += n) }, memoryReleasedBytes: { inc: (n = 1) => void (seen.bytes += n) } };
}

/**
 * Frees 120 MB of 4 KB C-heap blocks but keeps one in 32 alive, so the free space lies between
 * live blocks where glibc never returns it by itself. Returns a function that frees the rest.
 */
function fragmentCHeap(): () => void {
  const libc = koffi.load("libc.so.6");
  const malloc = libc.func("void *malloc(size_t size)");
  const free = libc.func("void free(void *ptr)");
  const memset = libc.func("void *memset(void *s, int c, size_t n)");
  const blocks = Array.from({ length: (120 * MB) / 4096 }, () => {
    const block = malloc(4000);
    memset(block, 1, 4000); // touched, so resident
    return block;
  });
  const kept = blocks.filter((_, i) => i % 32 === 0);
  for (const [i, block] of blocks.entries()) if (i % 32 !== 0) free(block);
  return () => kept.forEach((block) => free(block));
}

test("after the C heap grew and was freed with live blocks between, the releaser gives most of it back and counts it", async () => {
  if (!skipUnless(canReleaseFreedMemory(), "malloc_trim needs glibc on Linux")) return;
  const { seen, ...sink } = counters();
  const releaser = new MemoryReleaser({ intervalMs: 20, minGrowthBytes: 16 * MB }, sink);
  const freeRest = fragmentCHeap();
  try {
    for (let waited = 0; seen.releases === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.releases >= 1, "a release ran");
    assert.ok(seen.bytes > 60 * MB, `released ${(seen.bytes / MB).toFixed(0)} MB of the 116 MB freed`);
  } finally {
    releaser.stop();
    freeRest();
  }
});

test("a releaser whose interval is 0 never releases", async () => {
  const { seen, ...sink } = counters();
  const releaser = new MemoryReleaser({ intervalMs: 0, minGrowthBytes: 0 }, sink);
  const freeRest = canReleaseFreedMemory() ? fragmentCHeap() : () => {};
  await new Promise((r) => setTimeout(r, 100));
  releaser.stop();
  freeRest();
  assert.equal(seen, { releases: 0, bytes: 0 });
});

test.run();
