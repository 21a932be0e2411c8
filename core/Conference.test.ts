import { isObservable, type Observable, Subject } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../media/frame.ts";
import { AudioClip } from "./AudioClip.ts";
import { type Clock, Conference, type LegLeft } from "./Conference.ts";
import type { EventInput } from "./events.ts";
import type { Playback } from "./Player.ts";
import type { Session } from "./Session.ts";

/** A call leg double: audio in at 16 kHz on demand, what it is played (the last frame of a stream, the clips), its events. */
class FakeLeg {
  readonly inbound = new Subject<AudioFrame>();
  readonly events: EventInput[] = [];
  /** The last frame each live playback delivered (what the leg hears this tick). */
  heard: Int16Array | undefined;
  readonly clips: AudioClip[] = [];
  #closed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.#closed = resolve));
  constructor(readonly id: string) {}
  audio(): Observable<AudioFrame> {
    return this.inbound.asObservable();
  }
  emit(event: EventInput): void {
    this.events.push(event);
  }
  play(source: unknown): Playback {
    const done = new Promise<{ cancelled: boolean; playedMs: number }>(() => {});
    let cancel = () => {};
    if (source instanceof AudioClip) this.clips.push(source);
    else if (isObservable(source)) {
      const subscription = (source as Observable<AudioFrame>).subscribe((frame) => (this.heard = frame.samples));
      cancel = () => subscription.unsubscribe();
    }
    return { id: "p", playedMs: 0, paused: false, bargeIn: false, done, pause() {}, resume() {}, cancel };
  }
  /** Sends one frame of a constant value. */
  say(value: number): void {
    this.inbound.next({ samples: new Int16Array(320).fill(value), sampleRate: 16000, timestamp: 0, seq: 0 });
  }
  hangup(): void {
    this.inbound.complete();
    this.#closed();
  }
  get session(): Session {
    return this as unknown as Session;
  }
  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

/** A clock the test turns by hand. */
function manualClock() {
  let task: ((tickMs: number) => void) | undefined;
  const clock: Clock = (t) => {
    task = t;
    return () => (task = undefined);
  };
  return { clock, tick: () => task?.(0), get running() {
    return task !== undefined;
  } };
}

function setup(n = 3) {
  const time = manualClock();
  const legs = Array.from({ length: n }, (_, i) => new FakeLeg(["caller", "agent", "supervisor", "expert"][i]!));
  return { time, legs };
}

/**
 * Each leg speaks its value, one tick runs, and what each heard comes back (first sample). Two
 * frames each, since the conference keeps one of slack; the surplus is dropped at the queue's
 * bound, which constant frames do not show.
 */
function round(time: { tick(): void }, legs: FakeLeg[], values: number[]): (number | undefined)[] {
  legs.forEach((leg, i) => values[i] !== undefined && (leg.say(values[i]!), leg.say(values[i]!)));
  time.tick();
  return legs.map((leg) => leg.heard?.[0]);
}

test("each leg hears the sum of the others, not itself (mix-minus), through its own playback", () => {
  const { time, legs } = setup();
  const conference = new Conference(legs.map((leg) => leg.session), { clock: time.clock });
  assert.equal(round(time, legs, [1, 10, 100]), [110, 101, 11]);
  const joins = legs.map((leg) => leg.types().filter((type) => type === "conference.joined").length);
  assert.equal(joins, [3, 2, 1], "each leg told of its own join and of every later one");
  conference.end();
});

test("a leg added with heard: false is heard by nobody until setHears lets the agent hear it (listen, then whisper, then barge)", () => {
  const { time, legs } = setup();
  const [caller, agent, supervisor] = legs;
  const conference = new Conference([caller!.session, agent!.session], { clock: time.clock });
  conference.add(supervisor!.session, { heard: false });
  assert.equal(round(time, legs, [1, 10, 100]), [10, 1, 11], "listen: supervisor hears both, nobody hears it");
  conference.setHears(agent!.session, supervisor!.session, true);
  assert.equal(round(time, legs, [1, 10, 100]), [10, 101, 11], "whisper: the agent alone hears the supervisor");
  conference.setHears(caller!.session, supervisor!.session, true);
  assert.equal(round(time, legs, [1, 10, 100]), [110, 101, 11], "barge: everyone hears it");
  assert.ok(conference.hears(caller!.session, supervisor!.session));
  const hearing = agent!.events.filter((event) => event.type === "conference.hearing");
  assert.equal(hearing.map((event) => event.type === "conference.hearing" && [event.listener, event.speaker, event.hears]), [["agent", "supervisor", true]]);
  conference.end();
});

test("a held leg hears hold music and nobody hears it; off hold it is mixed again", () => {
  const { time, legs } = setup();
  const [caller, agent, expert] = legs;
  const conference = new Conference(legs.map((leg) => leg.session), { clock: time.clock });
  conference.hold(caller!.session);
  assert.is(caller!.clips.length, 1, "hold music played to the caller");
  caller!.heard = undefined;
  assert.equal(round(time, legs, [1, 10, 100]), [undefined, 100, 10], "the held caller is out of the mix both ways");
  assert.equal(conference.held.map((leg) => leg.id), ["caller"]);
  conference.unhold(caller!.session);
  assert.equal(round(time, legs, [1, 10, 100]), [110, 101, 11]);
  assert.ok(expert!.types().includes("conference.held") && expert!.types().includes("conference.unheld"));
  assert.ok(conference.heldMs(caller!.session) >= 0);
  conference.end();
});

test("a leg whose session ends leaves by itself; the others go on; left$ says why", () => {
  const { time, legs } = setup();
  const conference = new Conference(legs.map((leg) => leg.session), { clock: time.clock });
  const left: LegLeft[] = [];
  conference.left$.subscribe((leaving) => left.push(leaving));
  legs[2]!.hangup();
  assert.equal(left.map(({ leg, reason }) => [leg.id, reason]), [["supervisor", "leg_ended"]]);
  assert.equal(conference.legs.map((leg) => leg.id), ["caller", "agent"]);
  assert.equal(round(time, legs.slice(0, 2), [1, 10]), [10, 1]);
  assert.ok(legs[0]!.types().includes("conference.left"));
  legs[0]!.hangup();
  legs[1]!.hangup();
  assert.not.ok(conference.active || time.running, "the last leg to leave ends it and stops its clock");
});

test("legs join and leave live; end stops the clock and takes every leg out", () => {
  const { time, legs } = setup(4);
  const [caller, agent, , expert] = legs;
  const conference = new Conference([caller!.session, agent!.session], { clock: time.clock });
  conference.add(expert!.session);
  assert.equal(round(time, [caller!, agent!, expert!], [1, 10, 1000]), [1010, 1001, 11]);
  conference.remove(agent!.session);
  assert.not.ok(conference.has(agent!.session));
  assert.equal(round(time, [caller!, expert!], [1, 1000]), [1000, 1]);
  const left: string[] = [];
  conference.left$.subscribe({ next: ({ leg, reason }) => left.push(`${leg.id}:${reason}`) });
  conference.end();
  assert.equal(left, ["caller:ended", "expert:ended"]);
  assert.not.ok(time.running, "clock stopped");
  assert.not.ok(conference.active);
});

test("a leg whose frames come unevenly (one, one, none, two, ...) is heard without a gap: one frame of slack absorbs it", () => {
  const { time, legs } = setup(2);
  const [caller, agent] = legs;
  const conference = new Conference([caller!.session, agent!.session], { clock: time.clock });
  const arrivals = [1, 1, 0, 2, 1, 1, 0, 2];
  const heard: (number | undefined)[] = [];
  let next = 1;
  for (const count of arrivals) {
    for (let i = 0; i < count; i++) caller!.say(next++);
    time.tick();
    heard.push(agent!.heard?.[0]);
  }
  // Without the slack: [1, 2, 0, 3, 4, 5, 6, 7], a silent tick in the middle of the speech.
  assert.equal(heard, [0, 1, 2, 3, 4, 5, 6, 7], "one frame of silence at the start, then every frame in order");
  conference.end();
});

test("a leg whose frames come in bursts (five at once, then none) loses none of them; a queue left deep for a second sheds a frame", () => {
  const { time, legs } = setup(2);
  const [caller, agent] = legs;
  const conference = new Conference([caller!.session, agent!.session], { clock: time.clock });
  const heard: (number | undefined)[] = [];
  let next = 1;
  for (let tick = 0; tick < 10; tick++) {
    if (tick % 5 === 0) for (let i = 0; i < 5; i++) caller!.say(next++);
    time.tick();
    heard.push(agent!.heard?.[0]);
  }
  assert.equal(heard, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "every frame of each burst, in order");
  // Now one frame a tick on top of three waiting: after 50 ticks one frame goes, and the delay with it.
  for (let i = 0; i < 3; i++) caller!.say(next++);
  const first = next - 3;
  for (let tick = 0; tick < 60; tick++) {
    caller!.say(next++);
    time.tick();
    heard.push(agent!.heard?.[0]);
  }
  const lag = (i: number) => next - 60 + i - heard[heard.length - 60 + i]!;
  assert.is(heard[heard.length - 60], first, "the backlog is played, not dropped at once");
  assert.is(lag(59), lag(0) - 1, "one frame shed after a second of standing backlog");
  conference.end();
});

test("bad order is refused with a clear error: twice the same leg, a leg not in it, joining an ended conference", () => {
  const { time, legs } = setup();
  const conference = new Conference([legs[0]!.session], { clock: time.clock });
  assert.throws(() => conference.add(legs[0]!.session), /already in conference/);
  assert.throws(() => conference.hold(legs[1]!.session), /not in conference/);
  assert.throws(() => conference.setHears(legs[0]!.session, legs[1]!.session, false), /not in conference/);
  conference.end();
  assert.throws(() => conference.add(legs[1]!.session), /has ended/);
});

test.run();
