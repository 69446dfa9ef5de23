/**
 * Per-file facts that function analysis depends on: probe/remove pairing,
 * IRQ handlers, same-file wrappers and helpers, and who calls whom. The text
 * facts come from a regex scan; the rest from summaries of the parsed
 * functions (see summary.ts).
 */
import type { ApiEntry } from '../catalog';
import { indentedLineStart } from '../text';

export interface FunctionSummary {
  name: string;
  /** The API this function wraps when it returns a map/alloc result. */
  wraps?: ApiEntry;
  /** It tests a mapping of one of its parameters with dma_mapping_error(). */
  checksMapping?: boolean;
  /** Last names (`rx_ring`) of the handles it releases, directly or through release helpers. */
  releases: string[];
  /** Parameters it stores into a structure (`pkt->addr[i].addr = dma_addr;`), by position: a handle passed there is handed over. */
  storedParams: number[];
  /** In a function that releases anything: every field name its body mentions (`dev->d_i2c.cpu_addr` copied into a table it frees in a loop). */
  releaseScopeFields: string[];
  /** Every identifier and field name inside the arguments of its release calls (`descs`, `addr_offset` in `stq->descs[i] - stq->addr_offset[i]`). */
  releaseMentions: string[];
  /** Parameters it passes straight to a release call, by position, with that call's role (`unmap`, `free`, …). */
  releasedParams: { index: number; role: string }[];
  /** Struct fields it stores an allocation into: last name → allocation call name. */
  allocates: { field: string; api: string; managed: boolean; line: number; character: number; endCharacter: number }[];
  /** Streaming maps stored in struct fields: the field key (`priv.rx[].dma`) and the direction text. */
  fieldMaps: { key: string; direction: string; line: number }[];
  /** Field keys it assigns something other than a map result or zero (`desc->data = phys;`). */
  fieldStores: string[];
}

export interface FileFacts {
  path: string;
  wrappers: Map<string, ApiEntry>;
  checkHelpers: Set<string>;
  irqHandlers: Set<string>;
  probeFunctions: Set<string>;
  removeFunctions: Set<string>;
  /** Who calls whom among the file's functions (a text scan of their bodies). */
  calls: CallGraph;
  summaries: Map<string, FunctionSummary>;
  /** File-scope arrays and objects (`static u8 buf[64];`): not DMA-able by streaming maps. */
  globals: Set<string>;
  /** File-scope pointers (`static struct dma_pool *dma_pool;`): what they hold outlives any one function. */
  globalPointers: Set<string>;
  /** Names declared as pointer members in the file's structs (`\tstruct foo_params *s3_params;`). */
  pointerMembers: Set<string>;
  /** Object-like `#define NAME value` of the file. */
  defines: Map<string, string>;
  /**
   * function name → for each same-file caller, the functions that caller
   * runs (before any loop or return) at the label it jumps to when this
   * function fails; an empty list for a caller that does not jump on failure.
   */
  errorCleanups: Map<string, string[][]>;
  /**
   * Functions that map a scatterlist and whose every same-file caller tests
   * the value they return against zero (`bd_count = foo_map_sg(io_req); if
   * (bd_count == 0) return -ENOMEM;`).
   */
  zeroTestedResults: Set<string>;
}

// Column-0 definitions of arrays and struct objects: `static u8 buf[64];`, `static struct foo bar;`.
const GLOBAL_OBJECT = /^(?:static\s+)?(?:(?:const|volatile|unsigned|signed)\s+)*(?:struct\s+\w+|u8|u16|u32|u64|char|int|long|__le32|__le64|__be32)\s+(?:__\w+\s+)*([a-z_]\w*)\s*(?:\[[^\]\n]*\]\s*)*(?:__\w+(?:\([^)]*\))?\s*)*(?:=|;)/gm;
const GLOBAL_POINTER = /^(?:static\s+)?(?:(?:const|volatile|unsigned|signed)\s+)*(?:struct\s+)?\w+\s*\*\s*(?:__\w+\s+)*([a-z_]\w*)\s*(?:=[^;\n]*)?;/gm;
const POINTER_MEMBER = /^[ \t]+(?:(?:const|volatile|unsigned|signed|struct|union|enum)\s+)*\w+\s*\*+\s*(?:__\w+\s+)*([a-z_]\w*)\s*;/gm;
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Z_][A-Z0-9_]*)[ \t]+([^\n\\]+)$/gm;
/** DEFINE tried at one line start (sticky). */
const DEFINE_AT = new RegExp(DEFINE.source, 'my');

/** The line terminators `^` knows in a multiline regex. */
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * The matches a global multiline regex whose source starts with
 * `^[ \t]*#` finds in `text`, in order, found with its sticky twin (`my`)
 * tried only at the starts of lines whose first character other than a
 * space or a tab is `#`: far fewer places than every line start.
 */
function directiveMatches(text: string, sticky: RegExp): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  // Where the last match ended: a global regex looks for the next one from there.
  let from = 0;
  for (let at = text.indexOf('#'); at >= 0; at = text.indexOf('#', at + 1)) {
    const start = indentedLineStart(text, at, isLineTerminator);
    if (start < from) continue;
    sticky.lastIndex = start;
    const m = sticky.exec(text);
    if (!m) continue;
    out.push(m);
    from = sticky.lastIndex;
    at = Math.max(at, from - 1);
  }
  return out;
}

/** What DEFINE matches in `text` (name, value), in order. */
function objectDefines(text: string): [string, string][] {
  return directiveMatches(text, DEFINE_AT).map((d) => [d[1], d[2]]);
}
/** Function-like macros whose definition (continued lines included) mentions mapping_error. */
const CHECK_MACRO = /^[ \t]*#[ \t]*define[ \t]+(\w+)\([^)]*\)(?:[^\n]*\\\n)*[^\n]*mapping_error/gm;
const CHECK_MACRO_AT = new RegExp(CHECK_MACRO.source, 'my');
const DRIVER_CALLBACK = /\.\s*(probe|remove|remove_new|shutdown)\s*=\s*&?\s*([A-Za-z_]\w*)/g;
// request_irq(irq, handler, ...), devm_request_irq(dev, irq, handler, ...),
// request_threaded_irq(irq, handler, thread_fn, ...), devm_request_threaded_irq(dev, irq, handler, thread_fn, ...)
const IRQ_REQUEST = /\b(devm_)?request_(threaded_)?irq\s*\(/g;

export interface TextFacts {
  globals: Set<string>;
  globalPointers: Set<string>;
  pointerMembers: Set<string>;
  defines: Map<string, string>;
  /** Function-like macros that expand to a mapping-error test. */
  checkHelpers: Set<string>;
  irqHandlers: Set<string>;
  probeFunctions: Set<string>;
  removeFunctions: Set<string>;
}

/**
 * The file-scope declarations of a text, scanned when a rule first asks (few
 * do: most files map locals and fields). The text is let go once scanned:
 * these facts outlive the document version they came from.
 */
class Declarations {
  private source?: string;
  private globalsSet?: Set<string>;
  private globalPointersSet?: Set<string>;
  private pointerMembersSet?: Set<string>;

  constructor(text: string) {
    this.source = text;
  }

  get globals(): Set<string> {
    this.scan();
    return this.globalsSet!;
  }

  get globalPointers(): Set<string> {
    this.scan();
    return this.globalPointersSet!;
  }

  get pointerMembers(): Set<string> {
    this.scan();
    return this.pointerMembersSet!;
  }

  /** All three at once: scanning them one by one kept the server's peak RSS 20–40 MB higher. */
  private scan(): void {
    if (this.globalsSet) return;
    this.globalsSet = matchAll(GLOBAL_OBJECT, this.source!);
    this.globalPointersSet = matchAll(GLOBAL_POINTER, this.source!);
    this.pointerMembersSet = matchAll(POINTER_MEMBER, this.source!);
    this.source = undefined;
  }
}

export function scanTextFacts(text: string): TextFacts {
  const declarations = new Declarations(text);
  const facts = {
    defines: new Map(),
    checkHelpers: new Set(),
    irqHandlers: new Set(),
    probeFunctions: new Set(),
    removeFunctions: new Set(),
    get globals() {
      return declarations.globals;
    },
    get globalPointers() {
      return declarations.globalPointers;
    },
    get pointerMembers() {
      return declarations.pointerMembers;
    },
  } as TextFacts;
  if (text.includes('mapping_error')) for (const c of directiveMatches(text, CHECK_MACRO_AT)) facts.checkHelpers.add(c[1]);
  for (const [name, value] of objectDefines(text)) facts.defines.set(name, value.replace(/\/\*.*?\*\//g, '').trim());
  if (text.includes('.probe') || text.includes('.remove')) {
    DRIVER_CALLBACK.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = DRIVER_CALLBACK.exec(text))) {
      if (m[1] === 'probe') facts.probeFunctions.add(m[2]);
      else facts.removeFunctions.add(m[2]);
    }
  }
  if (text.includes('request_')) {
    IRQ_REQUEST.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = IRQ_REQUEST.exec(text))) {
      const args = splitTopLevelArgs(text, m.index + m[0].length);
      const handlerIndex = m[1] ? 2 : 1;
      const handler = args[handlerIndex]?.trim().replace(/^&/, '');
      if (handler && /^[A-Za-z_]\w*$/.test(handler) && handler !== 'NULL') facts.irqHandlers.add(handler);
    }
  }
  return facts;
}

/** The first group of every match of a global regex. */
function matchAll(re: RegExp, text: string): Set<string> {
  const out = new Set<string>();
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.add(m[1]);
  return out;
}

/** Splits a call's argument text starting just after its `(`. */
function splitTopLevelArgs(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length && i < from + 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(text.slice(start, i));
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return args;
}

/**
 * The names of the calls in a function's text: what `\b([A-Za-z_]\w*)\s*\(`
 * finds, worked back from each `(` (no match object per call).
 */
export function scanCallees(bodyText: string): Set<string> {
  const out = new Set<string>();
  for (let open = bodyText.indexOf('('); open >= 0; open = bodyText.indexOf('(', open + 1)) {
    let end = open;
    while (end > 0 && isRegExpSpace(bodyText.charCodeAt(end - 1))) end--;
    let start = end;
    while (start > 0 && isWordChar(bodyText.charCodeAt(start - 1))) start--;
    if (start === end) continue;
    const first = bodyText.charCodeAt(start);
    if (first >= 48 && first <= 57) continue;
    out.add(bodyText.slice(start, end));
  }
  return out;
}

/** What `\s` matches in a JavaScript regex. */
function isRegExpSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Who calls whom among a file's functions, from a text scan of their bodies
 * (scanCallees()), worked out only for the functions and callers asked for.
 * A name defined twice (`#ifdef` variants) counts as defined where it is
 * first, with the calls of its last definition.
 */
export class CallGraph {
  private readonly calleeSets = new Map<string, Set<string>>();
  private readonly callerLists = new Map<string, string[]>();
  private complete = false;

  /**
   * `functions`: each name → its definition's index, in order of first
   * definition. `text` and `bodies`: the file and where each definition's
   * body (from its `{` to its `}`) lies in it. `scan(i)`: the callees of
   * definition i (the caller may cache them).
   */
  constructor(
    private readonly functions: ReadonlyMap<string, number>,
    private text: string | undefined,
    private bodies: readonly { bodyStart: number; end: number }[],
    private scan: ((i: number) => Set<string>) | undefined,
  ) {}

  static empty(): CallGraph {
    return new CallGraph(new Map(), undefined, [], undefined);
  }

  /** Whether the file defines `name`. */
  has(name: string): boolean {
    return this.functions.has(name);
  }

  /** The names `name` calls (any function, not only the file's own); empty for a name the file does not define. */
  calleesOf(name: string): ReadonlySet<string> {
    let set = this.calleeSets.get(name);
    if (!set) {
      const i = this.functions.get(name);
      if (i === undefined || !this.scan) return NO_NAMES;
      set = this.scan(i);
      this.calleeSets.set(name, set);
    }
    return set;
  }

  /**
   * Scans every function now and lets go of the text: for a graph kept
   * after the analysis (the callee sets are cached by text, so this is cheap
   * on a re-analysis).
   */
  completeAndDetach(): void {
    for (const name of this.functions.keys()) this.calleesOf(name);
    this.complete = true;
    this.text = undefined;
    this.bodies = [];
    this.scan = undefined;
  }

  /** The file's functions that call `name`, itself left out, in definition order. */
  callersOf(name: string): readonly string[] {
    return this.callersOfAll([name]).get(name)!;
  }

  /** callersOf() for several names at once. */
  callersOfAll(names: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const n of names) {
      if (out.has(n)) continue;
      let list = this.callerLists.get(n);
      if (!list) {
        list = this.complete || !this.text ? this.callersFromSets(n) : this.callersFromText(n, this.text);
        this.callerLists.set(n, list);
      }
      out.set(n, list);
    }
    return out;
  }

  private callersFromSets(name: string): string[] {
    const list: string[] = [];
    for (const [caller] of this.functions) if (caller !== name && this.calleesOf(caller).has(name)) list.push(caller);
    return list;
  }

  /**
   * The definitions whose body has `name` as a whole word followed by `(`:
   * exactly where scanCallees() would find a call of it.
   */
  private callersFromText(name: string, text: string): string[] {
    if (!IDENTIFIER.test(name)) return [];
    const bodies = this.bodies;
    const callers = new Set<number>();
    for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
      if (at > 0 && isWordChar(text.charCodeAt(at - 1))) continue;
      OPEN_PAREN.lastIndex = at + name.length;
      if (!OPEN_PAREN.test(text)) continue;
      // The definition whose body holds the call, if any (bodies are in file order).
      let lo = 0;
      let hi = bodies.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (bodies[mid].bodyStart <= at) lo = mid;
        else hi = mid - 1;
      }
      if (bodies.length && bodies[lo].bodyStart <= at && at < bodies[lo].end) callers.add(lo);
    }
    const list: string[] = [];
    if (callers.size) for (const [caller, i] of this.functions) if (caller !== name && callers.has(i)) list.push(caller);
    return list;
  }

  /** Functions reachable from `roots` through same-file calls (roots included). */
  reachableFrom(roots: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const g of this.calleesOf(f)) if (this.has(g) && !seen.has(g)) stack.push(g);
    }
    return seen;
  }
}

const NO_NAMES: ReadonlySet<string> = new Set();
const IDENTIFIER = /^[A-Za-z_]\w*$/;
/** Spaces, then `(`: tried where a name ends. */
const OPEN_PAREN = /\s*\(/y;

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function emptyFacts(path: string): FileFacts {
  return {
    path,
    wrappers: new Map(),
    checkHelpers: new Set(),
    irqHandlers: new Set(),
    probeFunctions: new Set(),
    removeFunctions: new Set(),
    calls: CallGraph.empty(),
    summaries: new Map(),
    globals: new Set(),
    globalPointers: new Set(),
    pointerMembers: new Set(),
    defines: new Map(),
    errorCleanups: new Map(),
    zeroTestedResults: new Set(),
  };
}

/**
 * What `caller` runs when its call of `callee` fails: the calls it makes at
 * the label it then jumps to (`rc = foo_prepare(req); if (rc) goto error;`
 * … `error: foo_dma_cleanup(req);`), up to the first loop, return or
 * label-less block end. Empty when the failure is not followed by a jump
 * (or the call is used some other way).
 */
export function cleanupAfterFailure(callerText: string, callee: string): string[] {
  // Found by indexOf and read in short windows: this runs for every caller of
  // every DMA function, on every analysis.
  let label: string | undefined;
  let sawAssignment = false;
  for (let at = callerText.indexOf(callee); at >= 0 && !label; at = callerText.indexOf(callee, at + callee.length)) {
    if (at > 0 && isWordChar(callerText.charCodeAt(at - 1))) continue;
    let k = at + callee.length;
    while (callerText[k] === ' ' || callerText[k] === '\t') k++;
    if (callerText[k] !== '(') continue;
    const before = callerText.slice(Math.max(0, at - 80), at);
    const assigned = /([A-Za-z_]\w*)\s*=\s*$/.exec(before);
    if (assigned) {
      if (sawAssignment) continue;
      sawAssignment = true;
      const v = assigned[1];
      const test = new RegExp(`\\bif\\s*\\(\\s*(?:unlikely\\s*\\(\\s*)?${v}\\s*(?:<\\s*0\\s*|!=\\s*0\\s*)?\\)?\\s*\\)\\s*(?:\\{[^{}]*?)?\\bgoto\\s+([A-Za-z_]\\w*)\\s*;`).exec(callerText.slice(at, at + 600));
      if (!test) return [];
      label = test[1];
    } else if (!sawAssignment && /\bif\s*\(\s*$/.test(before)) {
      const direct = /^[^;{}]*\)\s*(?:<\s*0\s*)?\)\s*(?:\{[^{}]*?)?\bgoto\s+([A-Za-z_]\w*)\s*;/.exec(callerText.slice(k + 1, k + 600));
      if (direct) label = direct[1];
    }
  }
  if (!label) return [];
  const name: string = label;
  // The label: at the start of a line, followed by a colon (not `::`).
  let rest: string | undefined;
  for (let at = callerText.indexOf(name); at >= 0; at = callerText.indexOf(name, at + name.length)) {
    let b = at - 1;
    while (b >= 0 && (callerText[b] === ' ' || callerText[b] === '\t')) b--;
    if (b >= 0 && callerText[b] !== '\n') continue;
    let e = at + name.length;
    while (callerText[e] === ' ' || callerText[e] === '\t') e++;
    if (callerText[e] !== ':' || callerText[e + 1] === ':') continue;
    rest = callerText.slice(e + 1);
    break;
  }
  if (rest === undefined) return [];
  const stop = /\b(?:while|for|do|return)\b|^\s*\}\s*$/m.exec(rest);
  const part = stop ? rest.slice(0, stop.index) : rest;
  return [...scanCallees(part)];
}

/**
 * Does every call of `callee` in `callerText` store its result and test it
 * against zero in the next statement (`n = foo(x); if (n == 0)`, `if (!n)`,
 * `if (n <= 0)`), or test the call itself (`if (!foo(x))`)? False when there
 * is no call.
 */
export function testsResultForZero(callerText: string, callee: string): boolean {
  const call = new RegExp(`\\b${callee}\\s*\\(`, 'g');
  let calls = 0;
  for (let m = call.exec(callerText); m; m = call.exec(callerText)) {
    calls++;
    const before = callerText.slice(Math.max(0, m.index - 200), m.index);
    if (/\bif\s*\(\s*(?:unlikely\s*\(\s*)?!\s*$/.test(before)) continue;
    const stored = /\b([A-Za-z_]\w*)\s*=\s*$/.exec(before);
    if (!stored) return false;
    // The end of the call, then of its statement.
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < callerText.length; i++) {
      const c = callerText[i];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    const rest = callerText.slice(i + 1, i + 300);
    const v = stored[1];
    const test = new RegExp(`^\\s*;\\s*if\\s*\\(\\s*(?:unlikely\\s*\\(\\s*)?(?:!\\s*${v}\\b|${v}\\s*(?:==|<=)\\s*0\\b|0\\s*==\\s*${v}\\b)`);
    if (!test.test(rest)) return false;
  }
  return calls > 0;
}
