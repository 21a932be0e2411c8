import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadArgs, parseLoadArgs, resultsPath, seriesResultsPath } from "./load-args.ts";

test("no arguments: the plain profile's 50 calls for 20 s", () => {
  const options = parseLoadArgs([]);
  assert.is(options.profile, "plain");
  assert.equal(options.sessions, [50]);
  assert.is(options.seconds, 20);
  assert.is(options.warmupSeconds, 1);
  assert.is(options.asr, 0);
  assert.ok(resultsPath(options).endsWith("bench/load-results.json"));
});

test("the default profile: speech, the silent recogniser, every plugin", () => {
  const options = parseLoadArgs(["--profile", "default", "--sessions", "50,100,200,300"]);
  assert.equal(options.sessions, [50, 100, 200, 300]);
  assert.is(options.audio, "speech");
  assert.is(options.engine, "stub");
  assert.is(options.plugins, undefined);
  assert.is(options.warmupSeconds, 5, "the greetings of the last calls opened are past");
  assert.ok(resultsPath(options).endsWith("bench/load-default-results.json"));
  assert.ok(seriesResultsPath(options).endsWith("bench/load-default-capacity.json"));
});

test("--record adds the recording plugin to any profile, with results of their own, and survives a series' command line", () => {
  const options = parseLoadArgs(["--sessions", "200", "--record"]);
  assert.is(options.record, true);
  assert.is(parseLoadArgs([]).record, false);
  assert.ok(resultsPath(options).endsWith("bench/load-recorded-results.json"));
  assert.ok(resultsPath(parseLoadArgs(["--profile", "default", "--record"])).endsWith("bench/load-default-recorded-results.json"));
  assert.ok(loadArgs(options).includes("--record"));
});

test("--shards runs the plain or default profile as shard processes, with results of their own; it takes no WebRTC, recognition calls or recording", () => {
  const options = parseLoadArgs(["--shards", "2", "--sessions", "400"]);
  assert.is(options.shards, 2);
  assert.is(parseLoadArgs([]).shards, undefined);
  assert.ok(resultsPath(options).endsWith("bench/load-shards2-results.json"));
  assert.ok(resultsPath(parseLoadArgs(["--profile", "default", "--shards", "1"])).endsWith("bench/load-default-shards1-results.json"));
  assert.throws(() => parseLoadArgs(["--shards", "0"]), /--shards must be an integer of at least 1/);
  assert.throws(() => parseLoadArgs(["--profile", "recognizer", "--shards", "2"]), /--shards belongs to --profile plain or default/);
  assert.throws(() => parseLoadArgs(["--shards", "2", "--webrtc"]), /not with --webrtc, --asr or --record/);
});

test("--plugins lists names, trimmed", () => {
  assert.equal(parseLoadArgs(["--profile", "default", "--plugins", "console, vad,asr"]).plugins, ["console", "vad", "asr"]);
});

test("options of another profile are refused", () => {
  assert.throws(() => parseLoadArgs(["--audio", "silence"]), /--audio belongs to --profile default/);
  assert.throws(() => parseLoadArgs(["--profile", "default", "--asr", "4"]), /--asr belongs to --profile plain/);
  assert.throws(() => parseLoadArgs(["--profile", "recognizer", "--engine=stub"]), /--engine belongs/);
  assert.throws(() => parseLoadArgs(["--asr", "2", "--asr-search", "grammar"]), /--asr-search belongs to --profile recognizer/);
  assert.throws(() => parseLoadArgs(["--asr-workers", "1"]), /need --asr/);
  assert.throws(() => parseLoadArgs(["--profile", "recognizer", "--asr-niceness", "20"]), /0 to 19/);
});

test("bad values say what is wrong", () => {
  assert.throws(() => parseLoadArgs(["--sessions", "0"]), /--sessions must be an integer of at least 1/);
  assert.throws(() => parseLoadArgs(["--sessions", "10,x"]), /not "x"/);
  assert.throws(() => parseLoadArgs(["--seconds", "0"]), /--seconds must be positive/);
  assert.throws(() => parseLoadArgs(["--warmup", "soon"]), /--warmup must be 0 or more/);
  assert.throws(() => parseLoadArgs(["--profile", "full"]), /--profile must be one of/);
  assert.throws(() => parseLoadArgs(["--profile", "default", "--engine", "vosk"]), /--engine must be one of/);
  assert.throws(() => parseLoadArgs(["--find-capacity", "--sessions", "10,20"]), /at most one --sessions/);
});

test("the results of the asr and webrtc modes and of the recognizer go to files of their own", () => {
  assert.ok(resultsPath(parseLoadArgs(["--asr", "4"])).endsWith("load-asr-results.json"));
  assert.ok(resultsPath(parseLoadArgs(["--webrtc"])).endsWith("load-webrtc-results.json"));
  assert.ok(resultsPath(parseLoadArgs(["--profile", "recognizer"])).endsWith("load-recognizer-results.json"));
});

test("loadArgs gives back a command line that parses to the same settings", () => {
  for (const args of [
    [],
    ["--webrtc", "--sessions", "20", "--rtp-ports", "30000-30999"],
    ["--asr", "8", "--asr-workers", "1", "--seconds", "5", "--warmup", "0"],
    ["--profile", "default", "--audio", "silence", "--engine", "pocketsphinx", "--plugins", "console,vad", "--find-capacity"],
    ["--profile", "recognizer", "--sessions", "4,8", "--asr-workers", "2", "--asr-niceness", "0", "--asr-search", "grammar"],
    ["--shards", "2", "--sessions", "200,400"],
  ]) {
    const options = parseLoadArgs(args);
    assert.equal(parseLoadArgs(loadArgs(options)), options, args.join(" "));
  }
});

test.run();
