// The version checks PluginHost makes with the `semver` package: a plugin's version must be a
// valid x.y.z, and its dependencies' ranges are npm ranges with npm's meaning.
import semver from "semver";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("a plugin version is a full x.y.z, prereleases included; anything else is invalid", () => {
  assert.ok(semver.valid("1.2.3"));
  assert.ok(semver.valid("1.0.0-beta.1"));
  assert.is(semver.valid("one"), null);
  assert.is(semver.valid("1.2"), null);
});

test("caret ranges accept the same major and refuse the next; below 1.0 they pin the minor", () => {
  assert.ok(semver.satisfies("1.4.2", "^1.2.0"));
  assert.not.ok(semver.satisfies("2.0.0", "^1.2.0"));
  assert.not.ok(semver.satisfies("1.1.9", "^1.2.0"));
  assert.ok(semver.satisfies("0.3.9", "^0.3.1"));
  assert.not.ok(semver.satisfies("0.4.0", "^0.3.1"));
});

test("a prerelease does not satisfy a range of releases, as in npm", () => {
  assert.not.ok(semver.satisfies("1.0.0-beta.1", "^1.0.0"));
  assert.not.ok(semver.satisfies("2.0.0-rc.1", "*"));
  assert.ok(semver.satisfies("1.0.0-beta.2", ">=1.0.0-beta.1 <1.0.0"));
});

test("tilde, comparison, wildcard, exact and || ranges", () => {
  assert.ok(semver.satisfies("1.2.9", "~1.2.3"));
  assert.not.ok(semver.satisfies("1.3.0", "~1.2.3"));
  assert.ok(semver.satisfies("1.5.0", ">=1.0.0 <2"));
  assert.not.ok(semver.satisfies("2.0.0", ">=1.0.0 <2"));
  assert.ok(semver.satisfies("3.1.4", "3.x"));
  assert.ok(semver.satisfies("9.9.9", "*"));
  assert.not.ok(semver.satisfies("1.0.1", "1.0.0"));
  assert.ok(semver.satisfies("2.3.0", "^1.0.0 || ^2.0.0"));
  assert.not.ok(semver.satisfies("3.0.0", "^1.0.0 || ^2.0.0"));
});

test("a malformed range is recognised before any version is compared with it", () => {
  assert.is(semver.validRange("^one"), null);
  assert.ok(semver.validRange(">=1.2 <3"));
  assert.ok(semver.validRange("^1.0.0 || ^2.0.0"));
});

test.run();
