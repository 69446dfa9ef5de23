/**
 * `.dma-check.json` (or a "dmaCheck" section of package.json), found by
 * walking up from a file's directory:
 *
 *   { "rules": { "redundant-zeroing": "off" },
 *     "ignore": ["drivers/staging/**", "*.mod.c"],
 *     "wrappers": { "foo_map_buf": "dma_map_single" } }
 *
 * Paths in "ignore" are globs relative to the directory of the file that
 * declares them. The CLI and the language server read it the same way;
 * command-line options and editor settings override it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SeveritySetting } from '../types';

export interface DmaCheckConfig {
  /** The directory of the file the settings came from. */
  root: string;
  source: string;
  rules: Record<string, SeveritySetting>;
  ignore: Glob[];
  wrappers: Record<string, string>;
}

const LEVELS: Record<string, SeveritySetting> = { off: 'off', hint: 'hint', info: 'information', information: 'information', warning: 'warning', error: 'error' };

export class ConfigResolver {
  private byDir = new Map<string, DmaCheckConfig | null>();
  readonly errors: string[] = [];

  /** @param stopAt directories above which the walk does not go (a workspace root); none: the filesystem root. */
  constructor(private readonly stopAt: string[] = []) {}

  forFile(file: string): DmaCheckConfig | undefined {
    return this.forDir(path.dirname(path.resolve(file))) ?? undefined;
  }

  private forDir(dir: string): DmaCheckConfig | null {
    const cached = this.byDir.get(dir);
    if (cached !== undefined) return cached;
    let found = this.read(dir);
    if (!found) {
      const parent = path.dirname(dir);
      const stop = this.stopAt.some((s) => path.resolve(s) === dir);
      found = parent !== dir && !stop ? this.forDir(parent) : null;
    }
    this.byDir.set(dir, found);
    return found;
  }

  private read(dir: string): DmaCheckConfig | null {
    const own = path.join(dir, '.dma-check.json');
    const pkg = path.join(dir, 'package.json');
    try {
      if (fs.existsSync(own)) return parseConfig(JSON.parse(fs.readFileSync(own, 'utf8')), dir, own);
      if (fs.existsSync(pkg)) {
        const section = JSON.parse(fs.readFileSync(pkg, 'utf8')).dmaCheck;
        if (section) return parseConfig(section, dir, pkg);
      }
    } catch (e) {
      this.errors.push(`${fs.existsSync(own) ? own : pkg}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return null;
  }
}

export function parseConfig(raw: unknown, root: string, source: string): DmaCheckConfig {
  if (!raw || typeof raw !== 'object') throw new Error('expected an object');
  const o = raw as Record<string, unknown>;
  const rules: Record<string, SeveritySetting> = {};
  for (const [id, level] of Object.entries((o.rules ?? {}) as Record<string, unknown>)) {
    const l = LEVELS[String(level)];
    if (!l) throw new Error(`rule ${id}: unknown level '${String(level)}'`);
    rules[id] = l;
  }
  const ignore = ((o.ignore ?? []) as unknown[]).map((g) => compileGlob(String(g)));
  const wrappers: Record<string, string> = {};
  for (const [name, api] of Object.entries((o.wrappers ?? {}) as Record<string, unknown>)) wrappers[name] = String(api);
  return { root, source, rules, ignore, wrappers };
}

export function isIgnored(config: DmaCheckConfig | undefined, file: string): boolean {
  if (!config || !config.ignore.length) return false;
  const rel = path.relative(config.root, path.resolve(file)).split(path.sep).join('/');
  return config.ignore.some((g) => g.matches(rel));
}

export interface Glob {
  source: string;
  matches(path: string): boolean;
}

/**
 * `**` any depth, `*` within a path segment, `?` one character; a pattern
 * without `/` matches the base name anywhere. Matched by dynamic programming
 * over (pattern position, path position): linear in their product, never
 * exponential, whatever the pattern.
 */
export function compileGlob(glob: string): Glob {
  type Token = { kind: 'any' | 'star' | 'one' | 'char'; ch?: string };
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      tokens.push({ kind: 'any' });
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', ch: c });
  }
  const anchored = glob.includes('/');
  const matchFrom = (p: string): boolean => {
    // reach[j]: the first j tokens can match a prefix of p ending here.
    let reach = new Array<boolean>(tokens.length + 1).fill(false);
    reach[0] = true;
    const close = (r: boolean[]) => {
      for (let j = 0; j < tokens.length; j++) if (r[j] && (tokens[j].kind === 'any' || tokens[j].kind === 'star')) r[j + 1] = true;
      return r;
    };
    close(reach);
    for (const ch of p) {
      const next = new Array<boolean>(tokens.length + 1).fill(false);
      for (let j = 0; j < tokens.length; j++) {
        if (!reach[j]) continue;
        const t = tokens[j];
        if (t.kind === 'any') next[j] = true;
        else if (t.kind === 'star') {
          if (ch !== '/') next[j] = true;
        } else if (t.kind === 'one') {
          if (ch !== '/') next[j + 1] = true;
        } else if (t.ch === ch) next[j + 1] = true;
      }
      reach = close(next);
    }
    return reach[tokens.length];
  };
  return {
    source: glob,
    matches: (p: string) => {
      if (anchored) return matchFrom(p);
      const parts = p.split('/');
      for (let i = 0; i < parts.length; i++) if (matchFrom(parts.slice(i).join('/'))) return true;
      return false;
    },
  };
}
