import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { KnowledgeBase, loadKnowledgeBase, parseArticle } from "./knowledge-base.ts";

const SAMPLE = resolve(import.meta.dirname ?? "plugins/assist", "../../examples/knowledge-base");

test("an article's title is its first heading, and the body is indexed as plain text without Markdown marks", () => {
  const article = parseArticle("cards", "Intro line\n\n## Lost **cards** ##\n\n- Block the `card` at once.\n- See [disputes](disputes.md).\n");
  assert.is(article.title, "Lost **cards**");
  assert.is(article.text, "Intro line\nBlock the card at once.\nSee disputes.");
  assert.is(parseArticle("opening-hours", "No heading here.").title, "opening hours", "without a heading, the file name");
});

test("retrieval ranks the article whose words (any inflection) the caller used, with the sentence that shares most of them", () => {
  const kb = new KnowledgeBase([
    parseArticle("card", "# Lost or stolen card\nBlock a lost card at once. A replacement card arrives within 5 days."),
    parseArticle("fees", "# Fees\nThe overdraft is charged monthly. Fees are refunded once."),
    parseArticle("hours", "# Opening hours\nBranches open at 9 am."),
  ]);
  const [first, ...rest] = kb.search("why was I charged an overdraft fee");
  assert.is(first?.id, "fees");
  assert.is(first?.snippet, "The overdraft is charged monthly.");
  assert.ok(rest.every((hit) => hit.score < first!.score));
  assert.is(kb.search("I lost my card")[0]?.title, "Lost or stolen card");
  assert.equal(kb.search("uh I I um"), [], "a query of stop words only finds nothing");
  assert.equal(kb.search("weather tomorrow"), [], "nor one whose words no article has");
});

test("of several turns the latest weighs most: the topic follows the caller", () => {
  const kb = new KnowledgeBase([
    parseArticle("card", "# Lost card\nBlock a lost card."),
    parseArticle("pin", "# Forgotten PIN\nShow the PIN in the app."),
  ]);
  const turns = (older: string, latest: string) => kb.search([{ text: older, weight: 0.5 }, { text: latest, weight: 1 }]).map((hit) => hit.id);
  assert.equal(turns("it is about my card", "and my pin"), ["pin", "card"]);
  assert.equal(turns("it is about my pin", "and my card"), ["card", "pin"]);
});

test("the sample knowledge base loads every article with its title; a folder without articles is refused", async () => {
  const kb = await loadKnowledgeBase(SAMPLE);
  assert.ok(kb.list().length >= 10);
  assert.is(kb.get("opening-hours")?.title, "Branch and phone opening hours");
  assert.is(kb.search("what time does the branch open on saturday")[0]?.id, "opening-hours");
  const twoTurns = (older: string, latest: string) => kb.search([{ text: older, weight: 0.5 }, { text: latest, weight: 1 }])[0]?.id;
  assert.is(twoTurns("there is a payment I did not make", "it was forty pounds at a shop"), "dispute-a-transaction", "a latest turn that barely matches (a 'shop') counts little");
  assert.is(twoTurns("I lost my debit card yesterday", "and I also forgot my pin"), "forgotten-pin", "a latest turn on a new topic leads");
  const empty = mkdtempSync(join(tmpdir(), "parley-kb-"));
  try {
    writeFileSync(join(empty, "notes.txt"), "not an article");
    const refusal = (folder: string) => loadKnowledgeBase(folder).then(() => "loaded", (error: Error) => error.message);
    assert.match(await refusal(empty), /^no Markdown article \(\*\.md\) in /);
    assert.match(await refusal(join(empty, "missing")), /ENOENT/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test.run();
