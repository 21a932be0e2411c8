import { test } from "uvu";
import * as assert from "uvu/assert";
import { errorCatalogue, ParleyError, registerErrorCode, registerErrorCodes } from "./errors.ts";

test("core's codes carry their status and template; PARLEY_ERR_INTERNAL is in the catalogue", () => {
  const error = new ParleyError("PARLEY_ERR_NOT_FOUND", "Session x");
  assert.equal([error.code, error.status, error.message], ["PARLEY_ERR_NOT_FOUND", 404, "Session x not found"]);
  assert.equal(errorCatalogue().get("PARLEY_ERR_INTERNAL"), [500, "Internal error"]);
});

test("a registered code joins the catalogue and its factory makes coded errors; registering the same entry again is harmless", () => {
  const busy = registerErrorCode("PARLEY_ERR_TEST_BUSY", "%s is busy", 503);
  assert.is(registerErrorCodes({ PARLEY_ERR_TEST_BUSY: [503, "%s is busy"] }).PARLEY_ERR_TEST_BUSY[0], 503);
  const error = busy("the engine");
  assert.instance(error, ParleyError);
  assert.equal([error.code, error.status, error.message], ["PARLEY_ERR_TEST_BUSY", 503, "the engine is busy"]);
});

test("a code already taken with another entry, a malformed code or a status outside 4xx-5xx is refused", () => {
  registerErrorCode("PARLEY_ERR_TEST_TAKEN", "%s", 409);
  assert.throws(() => registerErrorCode("PARLEY_ERR_TEST_TAKEN", "%s", 410), (e: ParleyError) => e.code === "PARLEY_ERR_CODE_CONFLICT");
  assert.throws(() => registerErrorCode("PARLEY_ERR_NOT_FOUND", "%s", 404), (e: ParleyError) => e.code === "PARLEY_ERR_CODE_CONFLICT");
  assert.throws(() => registerErrorCode("my_error", "%s"), (e: ParleyError) => e.code === "PARLEY_ERR_PLUGIN_INVALID");
  assert.throws(() => registerErrorCode("PARLEY_ERR_TEST_OK", "%s", 200), (e: ParleyError) => e.code === "PARLEY_ERR_PLUGIN_INVALID");
});

test.run();
