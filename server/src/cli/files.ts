/** Finding and reading the files the CLI scans. */
import * as fs from 'fs';
import * as path from 'path';
import { DMA_TEXT_PATTERN, MAX_FILE_BYTES, looksBinary } from '../index';

export interface SourceFile {
  path: string;
  text: string;
  /** How the bytes were decoded; written back the same way. */
  encoding: 'utf8' | 'latin1';
}

export type ReadResult = { ok: true; file: SourceFile } | { ok: false; skip: boolean; message: string };

const SOURCE = /\.[ch]$/;

/** Expands paths: files as given, directories recursively (`.c`/`.h`), symlink loops broken. */
export function collectFiles(paths: string[], onError: (message: string) => void): string[] {
  const out: string[] = [];
  const seenDirs = new Set<string>();
  const walk = (dir: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch (e) {
      onError(`${dir}: ${errText(e)}`);
      return;
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      onError(`${dir}: ${errText(e)}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === '.git' || e.name === 'node_modules') continue;
        walk(p);
      } else if (e.isSymbolicLink()) {
        let st: fs.Stats;
        try {
          st = fs.statSync(p);
        } catch {
          continue; // dangling link
        }
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && SOURCE.test(e.name)) out.push(p);
      } else if (e.isFile() && SOURCE.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      onError(`${p}: ${errText(e)}`);
      continue;
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

export function decode(buf: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf8' };
  } catch {
    return { text: buf.toString('latin1'), encoding: 'latin1' };
  }
}

export function readSource(file: string): ReadResult {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return { ok: false, skip: false, message: `${file}: ${errText(e)}` };
  }
  if (!st.isFile()) return { ok: false, skip: false, message: `${file}: not a regular file` };
  if (st.size > MAX_FILE_BYTES) return { ok: false, skip: true, message: `${file}: skipped, ${(st.size / 1048576).toFixed(1)} MB is over the ${MAX_FILE_BYTES / 1048576} MB limit` };
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    return { ok: false, skip: false, message: `${file}: ${errText(e)}` };
  }
  if (buf.subarray(0, 8192).includes(0)) return { ok: false, skip: true, message: `${file}: skipped, binary file` };
  const { text, encoding } = decode(buf);
  if (looksBinary(text)) return { ok: false, skip: true, message: `${file}: skipped, binary file` };
  return { ok: true, file: { path: file, text, encoding } };
}

/** Cheap test before any parsing: does the file mention the DMA API at all? */
export function mayUseDma(text: string, extraNames: string[] = [], pattern: RegExp = DMA_TEXT_PATTERN): boolean {
  if (pattern.test(text)) return true;
  return extraNames.some((n) => text.includes(n));
}

/** Writes through a temporary file and a rename, so a killed run never leaves half a file. */
export function writeAtomic(file: string, text: string, encoding: 'utf8' | 'latin1'): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.dma-check-${process.pid}.tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode;
  } catch {
    mode = undefined;
  }
  fs.writeFileSync(tmp, Buffer.from(text, encoding), mode !== undefined ? { mode } : undefined);
  fs.renameSync(tmp, file);
}

export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'ENOENT') return 'no such file or directory';
  if (err && err.code === 'EACCES') return 'permission denied';
  if (err && err.code === 'ELOOP') return 'too many levels of symbolic links';
  if (err && err.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}
