import { from, type Observable, share } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../frame.ts";
import { FEATURES_STREAM, SEGMENTS_STREAM, sessionFeatures, sessionSegments, type SharedStreamSource } from "./session-streams.ts";
import { blocks, concat, pause, syntheticUtterance } from "./voice-test-utils.ts";

function fakeSession(samples: Int16Array): SharedStreamSource & { created: string[]; audioRequests: number[] } {
  const streams = new Map<string, Observable<unknown>>();
  const session = {
    created: [] as string[],
    audioRequests: [] as number[],
    audio(rate: number) {
      session.audioRequests.push(rate);
      return from(blocks(samples).map((block, seq): AudioFrame => ({ samples: block, sampleRate: 16000, timestamp: seq * 20, seq })));
    },
    shared<T>(key: string, create: () => Observable<T>): Observable<T> {
      if (!streams.has(key)) {
        session.created.push(key);
        streams.set(key, create().pipe(share()));
      }
      return streams.get(key) as Observable<T>;
    },
  };
  return session;
}

test("features and segments are created once per session, at 16 kHz, whoever asks", () => {
  const session = fakeSession(concat(pause(0.3), syntheticUtterance(4), pause(0.8)));
  const segments: unknown[] = [];
  let features = 0;
  sessionSegments(session).subscribe((segment) => segments.push(segment));
  sessionFeatures(session).subscribe(() => features++);
  sessionSegments(session);
  assert.equal(session.created, [SEGMENTS_STREAM, FEATURES_STREAM]);
  assert.equal(session.audioRequests, [16000]);
  assert.is(segments.length, 1);
});

test.run();
