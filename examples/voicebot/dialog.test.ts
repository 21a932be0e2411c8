import { test } from "uvu";
import * as assert from "uvu/assert";
import { type DialogAction, type DialogConfig, type DialogInput, nextStep, startDialog, type Transition } from "./dialog.ts";
import { accountGrammar, checkIntents, confirmGrammar, DEFAULT_INTENTS, intentGrammar, isNo, isYes, matchIntent } from "./intents.ts";

const config = (speech = true): DialogConfig => ({ greeting: "Hello.", intents: DEFAULT_INTENTS, speech, account: { minDigits: 4, maxDigits: 8 }, retries: 2 });

/** Plays inputs through a dialog from its start; returns every transition after the start. */
function run(inputs: (DialogInput | string)[], dialog = config()): Transition[] {
  let transition = startDialog(dialog);
  return inputs.map((input) => {
    const next = typeof input === "string" ? (input.length === 1 ? { type: "dtmf" as const, digit: input } : { type: "speech" as const, text: input }) : input;
    return (transition = nextStep(dialog, transition.state, next));
  });
}

const said = (actions: DialogAction[]) => actions.flatMap((a) => (a.type === "say" ? [a.label] : []));
const ofType = <T extends DialogAction["type"]>(actions: DialogAction[], type: T) => actions.filter((a): a is Extract<DialogAction, { type: T }> => a.type === type);
const silence: DialogInput = { type: "no_input" };

test("a call starts with the greeting, then the menu, listening for an intent and waiting for an answer", () => {
  const { state, actions } = startDialog(config());
  assert.equal(actions.map((a) => a.type), ["say", "say", "listen", "await_input"]);
  assert.equal(said(actions), ["voicebot:greeting", "voicebot:menu"]);
  assert.equal(ofType(actions, "listen")[0]!.for, "intent");
  assert.is(state.step, "menu");
});

test("without speech the greeting says so and the menu is a keypad menu; nothing listens", () => {
  const { actions } = startDialog(config(false));
  const [greeting, menu] = ofType(actions, "say");
  assert.match(greeting!.text, /Speech recognition is not available.*keypad/);
  assert.is(menu!.text, "Press 1 for billing, 2 for a refund, 3 for order status, or 0 for a person.");
  assert.is(ofType(actions, "listen").length, 0);
});

test("asking for a person hands the call over with what the caller said, and the dialog then ignores input", () => {
  const [handover, after] = run(["i want to talk to a person", "1"]);
  assert.equal(ofType(handover!.actions, "intent")[0], { type: "intent", intent: "agent", via: "speech", text: "i want to talk to a person" });
  assert.equal(ofType(handover!.actions, "route")[0], { type: "route", intent: "agent", reason: "caller_request", transcript: ["i want to talk to a person"] });
  assert.equal(said(handover!.actions), ["voicebot:handover"]);
  assert.is(handover!.state.step, "handed_over");
  assert.equal(after!.actions, []);
});

test("billing by speech asks for the account number, reads the spoken number back, takes it on a yes, answers with it and goes back to the menu", () => {
  const [asked, readBack, answered] = run(["billing please", "four two oh seven", "yes"]);
  assert.equal(said(asked!.actions), ["voicebot:account"]);
  assert.ok(ofType(asked!.actions, "say")[0]!.interrupt, "the reply cuts off the rest of the menu");
  assert.equal(ofType(asked!.actions, "listen")[0]!.for, "account");
  assert.equal(said(readBack!.actions), ["voicebot:confirm"]);
  assert.match(ofType(readBack!.actions, "say")[0]!.text, /^I heard 4 2 0 7\. .*press pound/);
  assert.equal(ofType(readBack!.actions, "listen")[0]!.for, "confirm");
  assert.equal(ofType(readBack!.actions, "account"), [], "not taken before the caller confirms");
  assert.equal(ofType(answered!.actions, "account")[0], { type: "account", account: "4207", via: "speech" });
  assert.equal(said(answered!.actions), ["voicebot:answer:billing", "voicebot:menu"]);
  assert.match(ofType(answered!.actions, "say")[0]!.text, /account 4 2 0 7/);
  assert.equal(ofType(answered!.actions, "listen")[0]!.for, "intent");
  assert.equal([answered!.state.step, answered!.state.account], ["menu", "4207"]);
});

test("an account number keyed in ends with '#'; keys before it only restart the wait", () => {
  const steps = run(["3", "5", "5", "5", "1", "2", "#"], config(false));
  assert.equal(ofType(steps[0]!.actions, "intent")[0], { type: "intent", intent: "order_status", via: "dtmf", text: "3" });
  for (const step of steps.slice(1, -1)) assert.equal(step.actions, [{ type: "await_input" }]);
  assert.equal(ofType(steps.at(-1)!.actions, "account")[0], { type: "account", account: "55512", via: "dtmf" });
  assert.equal(said(steps.at(-1)!.actions), ["voicebot:answer:order_status", "voicebot:menu"]);
});

test("keyed entry also ends at the most digits, or at a pause after enough of them", () => {
  const full = run(["2", ..."12345678"], config(false)).at(-1)!;
  assert.equal(ofType(full.actions, "account")[0]!.account, "12345678");
  const paused = run(["2", ..."98765", silence], config(false)).at(-1)!;
  assert.equal(ofType(paused.actions, "account")[0]!.account, "98765");
});

test("'#' after too few digits is not understood: the account prompt again, entry from scratch", () => {
  const [, , , short, retry] = run(["1", "1", "2", "#", "7"], config(false));
  assert.equal(said(short!.actions), ["voicebot:no_match", "voicebot:account"]);
  assert.equal([short!.state.step, short!.state.keyed, retry!.state.keyed], ["account", "", "7"]);
});

test("silence: a reprompt, then a reprompt that offers a person, then the call goes to a person", () => {
  const [first, second, third] = run([silence, silence, silence]);
  assert.equal(said(first!.actions), ["voicebot:no_input", "voicebot:menu"]);
  assert.not.match(ofType(first!.actions, "say")[0]!.text, /person/);
  assert.match(ofType(second!.actions, "say")[0]!.text, /To talk to a person, say a person or press 0/);
  assert.equal(ofType(third!.actions, "route")[0], { type: "route", intent: "agent", reason: "no_input", transcript: [] });
});

test("input not understood is reprompted; enough of it in a row goes to a person; an understood answer resets the count", () => {
  const gaveUp = run(["the weather is nice", "", "9"]);
  assert.equal(said(gaveUp[0]!.actions), ["voicebot:no_match", "voicebot:menu"]);
  assert.equal(ofType(gaveUp[2]!.actions, "route")[0], { type: "route", intent: "agent", reason: "no_match", transcript: ["the weather is nice"] });
  const recovered = run(["nonsense", "nonsense", "refund", "one two three four", "yeah", "nonsense"]);
  assert.equal(said(recovered.at(-1)!.actions), ["voicebot:no_match", "voicebot:menu"]);
});

test("once the account is known, another question is answered at once, and a handover carries the account", () => {
  const [, , , status, person] = run(["billing", "four four four four", "#", "order status", "agent"]);
  assert.equal(said(status!.actions), ["voicebot:answer:order_status", "voicebot:menu"]);
  assert.equal(ofType(person!.actions, "route")[0], { type: "route", intent: "agent", reason: "caller_request", account: "4444", transcript: ["billing", "four four four four", "order status", "agent"] });
});

test("a number said in pieces (the caller paused mid-number) is joined and read back once it is long enough", () => {
  const [, first, second] = run(["2", "four two", "oh seven"]);
  assert.equal(first!.actions, [{ type: "await_input" }]);
  assert.equal(said(second!.actions), ["voicebot:confirm"]);
  assert.is(second!.state.spoken, "4207");
  const [, , paused] = run(["2", "four two", silence]);
  assert.equal(said(paused!.actions), ["voicebot:no_input", "voicebot:account"], "too few digits and then silence: asked again");
  assert.is(paused!.state.spoken, "");
});

test("a number read back wrong: a no asks for the keypad; keys pressed instead replace it; '#' takes it as heard", () => {
  const [, , no, keyed] = run(["1", "four two oh seven", "no", "5"]);
  assert.equal(said(no!.actions), ["voicebot:account"]);
  assert.match(ofType(no!.actions, "say")[0]!.text, /key in/);
  assert.equal([keyed!.state.step, keyed!.state.keyed], ["account", "5"]);
  const typed = run(["1", "four two oh seven", ..."9876#"]).at(-1)!;
  assert.equal(ofType(typed.actions, "account")[0], { type: "account", account: "9876", via: "dtmf" });
  const pound = run(["1", "four two oh seven", "#"]).at(-1)!;
  assert.equal(ofType(pound.actions, "account")[0], { type: "account", account: "4207", via: "speech" });
});

test("while confirming, the number said again is read back again; silence repeats the question", () => {
  const [, , again, quiet] = run(["1", "four two oh seven", "four two oh one", silence]);
  assert.match(ofType(again!.actions, "say")[0]!.text, /^I heard 4 2 0 1\./);
  assert.equal(said(quiet!.actions), ["voicebot:no_input", "voicebot:confirm"]);
  assert.match(ofType(quiet!.actions, "say")[1]!.text, /^I heard 4 2 0 1\./);
});

test("the caller spoke but the recogniser never answered: handled as not understood, so the dialog goes on", () => {
  const [reprompt, , third] = run([{ type: "no_result" }, { type: "no_result" }, { type: "no_result" }]);
  assert.equal(said(reprompt!.actions), ["voicebot:no_match", "voicebot:menu"]);
  assert.ok(reprompt!.actions.some((a) => a.type === "await_input"), "waits for the caller again");
  assert.equal(ofType(third!.actions, "route")[0]!.reason, "no_match");
});

test("yes and no: backchannels confirm, a no anywhere denies", () => {
  assert.ok(isYes("yes"));
  assert.ok(isYes("uh yeah that's right"));
  assert.not.ok(isYes("no that's not right"));
  assert.ok(isNo("nope"));
  assert.not.ok(isYes("four two"));
});

test("asking for a person while the account number is wanted hands over at once", () => {
  const [, handover] = run(["refund", "no just get me a person"]);
  assert.equal(ofType(handover!.actions, "route")[0]!.reason, "caller_request");
});

test("'*' repeats the menu", () => {
  const [repeat] = run(["*"]);
  assert.equal(said(repeat!.actions), ["voicebot:menu"]);
  assert.is(repeat!.state.noMatch, 0);
});

test("keywords: a request for a person wins over the other intents; whole words only", () => {
  assert.is(matchIntent("i want a person about my bill", DEFAULT_INTENTS)?.name, "agent");
  assert.is(matchIntent("where is my order", DEFAULT_INTENTS)?.name, "order_status");
  assert.is(matchIntent("billing", DEFAULT_INTENTS)?.name, "billing");
  assert.is(matchIntent("the weather", DEFAULT_INTENTS), undefined);
  assert.is(matchIntent("personal", DEFAULT_INTENTS), undefined);
});

test("the intent grammar accepts every phrase with polite words around it, or backchannels alone", () => {
  const jsgf = intentGrammar(DEFAULT_INTENTS);
  assert.equal(jsgf.match(/^public .*$/gm), ["public <answer> = [<backchannel>] <phrase> | <backchannel> [<backchannel>] [<backchannel>];"]);
  assert.match(jsgf, /^<phrase> = \[i want \| .*\] \(billing \| .*talk to a person.*\) \[please\];$/m);
  assert.match(jsgf, /^<backchannel> = uh \| huh \| .*\| oh \| yeah .*\| okay \| ok;$/m);
});

test("the account grammar takes one digit up to the most, or a request for a person of three words or more", () => {
  const jsgf = accountGrammar({ minDigits: 2, maxDigits: 3 }, DEFAULT_INTENTS);
  assert.equal(jsgf.match(/^public .*$/gm), ["public <answer> = <digits> | [i want | i want to | i want a | i would like | i would like to | i would like a | i need | i need to | i need a | can i | let me | check] (talk to a person | speak to a person) [please];"]);
  assert.match(jsgf, /^<digits> = <digit> \[<digit> \[<digit>\]\];$/m);
  assert.match(jsgf, /^<digit> = zero \| oh \| one/m);
});

test("the confirm grammar takes yes or no, the number again within bounds, or a person", () => {
  const jsgf = confirmGrammar({ minDigits: 2, maxDigits: 3 }, DEFAULT_INTENTS);
  assert.match(jsgf, /^public <answer> = \[<backchannel>\] \(<yes> \| <no>\) \| <digits> \| .*talk to a person.* \| <backchannel> \[<backchannel>\] \[<backchannel>\];$/m);
  assert.match(jsgf, /^<digits> = <digit> <digit> \[<digit>\];$/m);
  assert.not.match(jsgf.match(/^<backchannel> = .*$/m)![0], / oh /, "oh is a digit here");
});

test("an intent table needs one way to a person and distinct single keys", () => {
  assert.throws(() => checkIntents(DEFAULT_INTENTS.filter((intent) => !intent.routes)), /route to a person/);
  assert.throws(() => checkIntents(DEFAULT_INTENTS.map((intent) => ({ ...intent, dtmf: "1" }))), /taken/);
  assert.throws(() => checkIntents([{ ...DEFAULT_INTENTS[3]!, dtmf: "#" }]), /one key/);
  checkIntents(DEFAULT_INTENTS);
});

test("with the survey, a caller done after an answer ('#') is asked for a score; a key of 1 to 5 is reported and the bot says goodbye and hangs up", () => {
  const surveyed = { ...config(false), survey: true };
  const [answered, asked, rated, after] = run(["3", "1", "2", "3", "4", "#", "#", "4", "5"], surveyed).slice(5);
  assert.match(ofType(answered!.actions, "say")[1]!.text, /If that is all, press pound\.$/);
  assert.equal(said(asked!.actions), ["voicebot:survey"]);
  assert.is(asked!.state.step, "survey");
  assert.equal(rated!.actions.map((a) => a.type), ["survey", "say", "hangup"]);
  assert.equal(ofType(rated!.actions, "survey")[0], { type: "survey", score: 4, via: "dtmf" });
  assert.is(rated!.state.step, "ended");
  assert.equal(after!.actions, [], "a key after the goodbye is ignored");
});

test("with the survey, a spoken no at the menu asks for the score; a spoken digit answers it, and silence or a key out of range ends the call without one", () => {
  const surveyed = { ...config(), survey: true };
  const [asked, rated] = run(["no thanks", "five"], surveyed);
  assert.equal(said(asked!.actions), ["voicebot:survey"]);
  assert.equal(ofType(asked!.actions, "listen")[0]!.for, "account", "the recogniser listens for digits");
  assert.equal(ofType(rated!.actions, "survey")[0], { type: "survey", score: 5, via: "speech" });
  assert.equal(ofType(run(["no I want my order status"], surveyed)[0]!.actions, "intent")[0]!.intent, "order_status", "a request wins over a no");
  for (const input of [silence, "9"]) {
    const [, unrated] = run(["#", input], surveyed);
    assert.equal(unrated!.actions.map((a) => a.type), ["say", "hangup"]);
    assert.equal(said(unrated!.actions), ["voicebot:goodbye"]);
  }
});

test("without the survey, '#' at the menu is not understood, as before, and the menu says nothing of it", () => {
  const [answered, pound] = run(["3", "1", "2", "3", "4", "#", "#"], config(false)).slice(5);
  assert.not.match(ofType(answered!.actions, "say")[1]!.text, /pound/);
  assert.equal(said(pound!.actions), ["voicebot:no_match", "voicebot:menu"]);
});

test.run();
