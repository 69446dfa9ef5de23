/**
 * Where a rule's documentation page is. The pages ship with the extension
 * and the npm package (docs/rules/<id>.md beside dist/), so the link works
 * offline and matches the installed version.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';

let docsRoot: string | undefined;

function root(): string {
  if (docsRoot === undefined) {
    const candidates = [path.join(__dirname, '..', 'docs'), path.join(__dirname, '..', '..', 'docs'), path.join(__dirname, '..', '..', '..', 'docs')];
    docsRoot = candidates.find((c) => fs.existsSync(path.join(c, 'rules'))) ?? candidates[0];
  }
  return docsRoot;
}

/** The doc page of a rule (or the rule index for ''), as a file URI. */
export function docUrl(ruleId: string): string {
  return pathToFileURL(path.join(root(), 'rules', ruleId ? `${ruleId}.md` : 'README.md')).href;
}

/** The page's text, for hover; undefined when the docs are not installed. */
export function docText(ruleId: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root(), 'rules', `${ruleId}.md`), 'utf8');
  } catch {
    return undefined;
  }
}
