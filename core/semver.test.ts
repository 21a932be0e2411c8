import { test } from "uvu";
import * as assert from "uvu/assert";
import { isValidRange, satisfies } from "./semver.ts";

test("caret ranges accept the same major and refuse the next", () => {
  assert.ok(satisfies("1.4.2", "^1.2.0"));
  assert.not.ok(satisfies("2.0.0", "^1.2.0"));
  assert.not.ok(satisfies("1.1.9", "^1.2.0"));
});

test("caret ranges below 1.0 pin the minor version", () => {
  assert.ok(satisfies("0.3.9", "^0.3.1"));
  assert.not.ok(satisfies("0.4.0", "^0.3.1"));
});

test("tilde, comparison, wildcard and exact ranges", () => {
  assert.ok(satisfies("1.2.9", "~1.2.3"));
  assert.not.ok(satisfies("1.3.0", "~1.2.3"));
  assert.ok(satisfies("1.5.0", ">=1.0.0 <2"));
  assert.not.ok(satisfies("2.0.0", ">=1.0.0 <2"));
  assert.ok(satisfies("3.1.4", "3.x"));
  assert.ok(satisfies("9.9.9", "*"));
  assert.ok(satisfies("1.0.0", "1.0.0"));
  assert.not.ok(satisfies("1.0.1", "1.0.0"));
});

test("malformed versions and ranges are recognised", () => {
  assert.not.ok(satisfies("banana", "*"));
  assert.not.ok(isValidRange("^one"));
  assert.ok(isValidRange(">=1.2 <3"));
});

test.run();
