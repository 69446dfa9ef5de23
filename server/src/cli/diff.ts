/**
 * Patch mode: which lines of which files a unified diff (`git diff`,
 * `git format-patch`, `diff -u`) adds or changes, so only findings on those
 * lines are reported.
 */
export type ChangedLines = Map<string, Set<number>>;

/** Parses a unified diff; line numbers are 1-based lines of the new file. */
export function changedLines(diff: string): ChangedLines {
  const out: ChangedLines = new Map();
  let file: string | undefined;
  let line = 0;
  let inHunk = false;
  for (const raw of diff.split('\n')) {
    const text = raw.replace(/\r$/, '');
    if (text.startsWith('+++ ')) {
      const name = text.slice(4).split('\t')[0].trim();
      file = name === '/dev/null' ? undefined : name.replace(/^[ab]\//, '');
      if (file && !out.has(file)) out.set(file, new Set());
      inHunk = false;
      continue;
    }
    if (text.startsWith('--- ') && !inHunk) continue;
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk || !file) continue;
    if (text.startsWith('+')) {
      out.get(file)!.add(line);
      line++;
    } else if (text.startsWith(' ')) line++;
    else if (text.startsWith('-') || text.startsWith('\\')) continue;
    else if (text.startsWith('diff ')) inHunk = false;
  }
  for (const [f, lines] of out) if (!lines.size) out.delete(f);
  return out;
}
