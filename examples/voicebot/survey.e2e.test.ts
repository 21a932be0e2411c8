// The bot's closing survey on a real call, end to end: a keypad caller gets an answer, presses '#'
// when done, rates the call 4, hears the goodbye and is hung up on; the kpi plugin counts a
// contained call with one satisfied answer, in GET /v1/kpis and at /metrics.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type SessionEvent } from "../../core/mod.ts";
import { waitFor } from "../../core/testing.ts";
import { kpi, type KpiReport } from "../../plugins/kpi/mod.ts";
import { RtpTestPeer } from "../../plugins/testing.ts";
import { tts } from "../../plugins/tts/mod.ts";
import { voicebot } from "./mod.ts";

const ADMIN = "admin-token-0123456789";

test("a keypad caller done after an answer rates the call 4: survey.answered, the goodbye, the bot hangs up, and the KPIs count one contained, satisfied call", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "48960-48979" }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(tts).use(voicebot(), { speech: false, survey: true, noInputMs: 20000 }).use(kpi);
  try {
    const { port: httpPort } = await server.listen();
    const { session, port } = await server.rtp.open({ codec: "pcmu", metadata: { callerId: "+15550123" } });
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    const said = (pattern: RegExp) => events.some((e) => e.type === "tts.started" && pattern.test(e.text));
    const peer = new RtpTestPeer(port);
    try {
      await peer.sendSilence(200, 20);
      await waitFor(() => said(/^Press 1 for billing/), 10000, "the menu");
      for (const key of "31234#") await peer.sendDtmf(key);
      await waitFor(() => said(/If that is all, press pound\.$/), 10000, "the answer and 'anything else'");
      await peer.sendDtmf("#");
      await waitFor(() => said(/how satisfied are you/), 10000, "the survey's question");
      await peer.sendDtmf("4");
      const ended = await session.closed;
      assert.is(ended.reason, "bot_goodbye");
    } finally {
      await peer.close();
    }
    const answers = events.filter((e) => e.type === "survey.answered");
    assert.equal(answers.map((e) => ({ score: e.score, via: e.via, source: e.source })), [{ score: 4, via: "dtmf", source: "voicebot" }]);
    assert.ok(said(/^Thank you for your answer\. Goodbye\.$/), "the goodbye was said");
    assert.ok(events.some((e) => e.type === "tts.finished" && /Goodbye/.test(e.text)), "the goodbye played out before the hangup");

    const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
    const report = (await (await fetch(`http://127.0.0.1:${httpPort}/v1/kpis`, auth)).json()) as KpiReport;
    assert.is(report.calls, 1);
    assert.is(report.containmentRate, 1);
    assert.equal(report.csat, { answers: 1, satisfied: 1, ratio: 1, meanScore: 4 });
    assert.equal(report.repeatCallers, { windowDays: 7, identifiedCalls: 1, repeatCalls: 0, ratio: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, auth)).text();
    assert.match(metrics, /parley_kpi_survey_answers_total\{score="4"\} 1\n/);
    assert.match(metrics, /parley_kpi_calls_total\{outcome="contained"\} 1\n/);
  } finally {
    await server.close();
  }
});

test.run();
