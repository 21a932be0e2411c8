/** A piece of the text and where it starts in it. */
export interface TextPiece {
  text: string;
  offset: number;
}

/**
 * Splits text after sentence and clause ends (. ! ? ; :) followed by a space, so synthesis can
 * start speaking before it has read everything and can stop between pieces. Empty pieces are dropped.
 */
export function splitSentences(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  const boundary = /[.!?;:]+["')\]]*\s+/g;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    pushPiece(pieces, text, start, end);
    start = end;
  }
  pushPiece(pieces, text, start, text.length);
  return pieces;
}

function pushPiece(pieces: TextPiece[], text: string, start: number, end: number): void {
  const raw = text.slice(start, end);
  const lead = raw.length - raw.trimStart().length;
  const piece = raw.trim();
  if (piece) pieces.push({ text: piece, offset: start + lead });
}
