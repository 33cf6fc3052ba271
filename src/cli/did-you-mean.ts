/**
 * The nearest of `candidates` to a mistyped `word`, or undefined when none is close. Close means
 * at most two edits (insert, delete, substitute, or swap two neighbours: "stauts" -> "status"),
 * and fewer than the word has letters, so that "x" does not "mean" every one-letter option.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  // A pasted 10 kB argument is no typo, and must not cost a 10 kB distance table per candidate.
  if (word.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.min(2, word.length - 1) ? best : undefined;
}

/** A word from the command line, quoted for a one-line message: escaped, and cut when long. */
export function quoted(word: string): string {
  return JSON.stringify(word.length > 40 ? `${word.slice(0, 37)}...` : word);
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
