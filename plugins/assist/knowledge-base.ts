// The knowledge base: a folder of Markdown articles (the title from the first heading, the rest
// indexed), searched with BM25 (MiniSearch's BM25+) over Porter stems, so the caller's words find
// an article in whatever form the recogniser heard them.
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import MiniSearch from "minisearch";
import { isStopWord, stem, terms, words } from "./text.ts";

/** One article of the knowledge base. */
export interface Article {
  /** The file name without `.md`: stable, and what the article route takes. */
  id: string;
  title: string;
  /** The Markdown source, title line included. */
  markdown: string;
  /** The body as plain text, one block (paragraph or list item) a line: what snippets are cut from. */
  text: string;
}

/** An article suggested for what the caller said. */
export interface Suggestion {
  id: string;
  title: string;
  /** Relevance, 0 to the sum of the turns' weights (see `KnowledgeBase.search`). */
  score: number;
  /** The sentence of the article that shares the most words with the query. */
  snippet: string;
}

/** One turn of the query with its weight. */
export interface WeightedText {
  text: string;
  weight: number;
}

/** Longest snippet, in characters. */
const SNIPPET_CHARS = 200;
/** Titles say what an article is about in few words: a match there counts double. */
const TITLE_BOOST = 2;

/** Markdown source as plain blocks: headings, list markers, emphasis, code marks and link targets out. */
function plainBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push(paragraph.join(" "));
    paragraph = [];
  };
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || /^#{1,6}\s/.test(line)) {
      flush();
      if (line) blocks.push(line.replace(/^#+\s+/, ""));
      continue;
    }
    const item = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      paragraph.push(item[1]!);
    } else paragraph.push(line);
  }
  flush();
  return blocks.map((block) => block.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[*_`]+/g, ""));
}

/** Reads one article: title from the first heading (else the file name), body the rest. */
export function parseArticle(id: string, markdown: string): Article {
  const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(markdown);
  const title = heading ? heading[1]!.trim() : id.replace(/[-_]+/g, " ");
  const body = heading ? markdown.slice(0, heading.index) + markdown.slice(heading.index + heading[0].length) : markdown;
  return { id, title, markdown, text: plainBlocks(body).join("\n") };
}

/** A sentence of an article with its stems, worked out once, for snippets. */
interface Sentence {
  text: string;
  stems: readonly string[];
}

function sentencesOf(text: string): Sentence[] {
  return text.split(/\n|(?<=[.!?])\s+/).map((sentence) => ({ text: sentence, stems: terms(sentence) }));
}

/** The sentence with the most distinct query stems (the first such), shortened to a snippet. */
function snippetOf(sentences: readonly Sentence[], queryStems: ReadonlySet<string>): string {
  let best = "";
  let bestHits = -1;
  for (const sentence of sentences) {
    const hits = new Set(sentence.stems.filter((stem) => queryStems.has(stem))).size;
    if (hits > bestHits) [best, bestHits] = [sentence.text, hits];
  }
  return best.length <= SNIPPET_CHARS ? best : `${best.slice(0, SNIPPET_CHARS - 1).replace(/\s+\S*$/, "")}…`;
}

/** Articles indexed for retrieval. */
export class KnowledgeBase {
  readonly #articles = new Map<string, Article>();
  readonly #sentences = new Map<string, Sentence[]>();
  readonly #index = new MiniSearch<Article>({
    fields: ["title", "text"],
    tokenize: words,
    processTerm: (word) => (isStopWord(word) ? null : stem(word)),
    searchOptions: { boost: { title: TITLE_BOOST } },
  });

  constructor(articles: readonly Article[]) {
    for (const article of articles) {
      this.#articles.set(article.id, article);
      this.#sentences.set(article.id, sentencesOf(article.text));
    }
    this.#index.addAll([...this.#articles.values()]);
  }

  /** Every article, in id order. */
  list(): Article[] {
    return [...this.#articles.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** One article by id. */
  get(id: string): Article | undefined {
    return this.#articles.get(id);
  }

  /**
   * The `limit` best articles for `query`: one text, or several turns each weighted (the caller's
   * latest words weigh most). Each turn is searched alone; its BM25+ scores are scaled so that its
   * best article gets the turn's weight times the share of the turn's meaningful words that article
   * matched; an article's score is the sum over the turns. So a long earlier turn cannot drown a
   * short latest one, and a turn that barely matches anything ("it was forty pounds at a shop")
   * counts little. Nothing when no meaningful word of the query is in any article.
   */
  search(query: string | readonly WeightedText[], limit = 3): Suggestion[] {
    const turns = typeof query === "string" ? [{ text: query, weight: 1 }] : query;
    const scores = new Map<string, number>();
    for (const turn of turns) {
      const hits = this.#index.search(turn.text);
      if (hits.length === 0) continue;
      const best = hits[0]!;
      const scale = (turn.weight * best.queryTerms.length) / new Set(terms(turn.text)).size / best.score;
      for (const hit of hits) scores.set(hit.id, (scores.get(hit.id) ?? 0) + hit.score * scale);
    }
    const queryStems = new Set(turns.flatMap((turn) => terms(turn.text)));
    return [...scores].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([id, score]) => {
      const article = this.#articles.get(id)!;
      return { id, title: article.title, score: Math.round(score * 1000) / 1000, snippet: snippetOf(this.#sentences.get(id)!, queryStems) };
    });
  }
}

/** Loads every `*.md` file of `folder` (not its subfolders); throws when the folder cannot be read or holds no article. */
export async function loadKnowledgeBase(folder: string): Promise<KnowledgeBase> {
  const names = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith(".md")).map((entry) => entry.name).sort();
  if (names.length === 0) throw new Error(`no Markdown article (*.md) in ${folder}`);
  const articles = await Promise.all(names.map(async (name) => parseArticle(basename(name, ".md"), await readFile(join(folder, name), "utf8"))));
  return new KnowledgeBase(articles);
}
