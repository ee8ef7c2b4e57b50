/**
 * Architecture (issue 8): the direction of imports between the project's folders, and no import
 * cycles. Every .ts file of raft/, storage/, proto/ (hand-written and generated), client/,
 * cluster/, txn/, placement/, test/ and bench/ is parsed with the TypeScript compiler; its edges
 * are the static imports, `export … from`, `import x = require(…)`, `require(…)`, dynamic
 * `import(…)` and `import('…')` types — type-only imports count too, because a type-only edge is
 * still a dependency of the design (and `verbatimModuleSyntax` turns a dropped `type` into a real
 * one). Relative specifiers are resolved the NodeNext way ('./x.js' → x.ts). Every violation is
 * collected and reported at once, each naming the importing file, its line and the rule it breaks.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The project's folders, the first path segment of every file the rules talk about. */
const layers = ['raft', 'storage', 'proto', 'client', 'cluster', 'txn', 'placement', 'test', 'bench'] as const;
type Layer = (typeof layers)[number];

/** The package's own name: a self-import ('rangekv') is the client library (package.json "exports"). */
const selfPackageName = 'rangekv';
const selfPackageEntry = 'client/index.ts';

// ---------------------------------------------------------------------------------------------
// Parsing: the module specifiers a file depends on.

interface ImportSite {
  /** The module specifier as written; undefined for a dynamic import whose argument is not a literal. */
  readonly specifier: string | undefined;
  readonly line: number;
  readonly kind: 'import' | 'export-from' | 'import-equals' | 'require' | 'dynamic-import' | 'import-type' | 'reference';
  /** Erased at compile time (`import type`, `export type … from`, `import('…')` types): still an edge. */
  readonly typeOnly: boolean;
}

function literalText(node: ts.Node | undefined): string | undefined {
  if (node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

/** Every module this source depends on, found in the syntax tree (so never in comments or strings). */
function importSitesOf(fileName: string, text: string): ImportSite[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const sites: ImportSite[] = [];
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (specifier: string | undefined, node: ts.Node, kind: ImportSite['kind'], typeOnly = false): void => {
    sites.push({ specifier, line: lineOf(node), kind, typeOnly });
  };
  for (const ref of sf.referencedFiles) {
    sites.push({ specifier: ref.fileName, line: sf.getLineAndCharacterOfPosition(ref.pos).line + 1, kind: 'reference', typeOnly: true });
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypeOnly = named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && allNamedTypeOnly));
      add(literalText(node.moduleSpecifier), node, 'import', typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      add(literalText(node.moduleSpecifier), node, 'export-from', node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(literalText(node.moduleReference.expression), node, 'import-equals', node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(literalText(node.arguments[0]), node, 'dynamic-import');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1) {
      add(literalText(node.arguments[0]), node, 'require');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(literalText(node.argument.literal), node, 'import-type', true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return sites;
}

// ---------------------------------------------------------------------------------------------
// The project's files and the graph between them.

const sourceExtensions = ['.ts', '.mts', '.cts', '.tsx'];
const isSourceFile = (name: string): boolean => sourceExtensions.some((e) => name.endsWith(e));

function listSourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isSourceFile(entry.name)) out.push(relative(root, full).split(sep).join(posix.sep));
    }
  };
  for (const layer of layers) {
    const dir = join(root, layer);
    if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  }
  return out.sort();
}

const layerOf = (file: string): Layer | undefined => layers.find((l) => file === l || file.startsWith(`${l}/`));

/** Where a specifier written in `from` leads: a project file, an npm package / builtin, or nowhere. */
type Resolution =
  | { readonly kind: 'project'; readonly file: string }
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'package'; readonly name: string }
  | { readonly kind: 'unresolved'; readonly reason: string };

function resolveSpecifier(from: string, specifier: string, projectFiles: ReadonlySet<string>): Resolution {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = posix.normalize(posix.join(posix.dirname(from), specifier));
    const candidates: string[] = [];
    const swaps: readonly (readonly [string, readonly string[]])[] = [
      ['.js', ['.ts', '.tsx']],
      ['.mjs', ['.mts']],
      ['.cjs', ['.cts']],
      ['.jsx', ['.tsx']],
    ];
    const swap = swaps.find(([js]) => target.endsWith(js));
    if (swap !== undefined) for (const ext of swap[1]) candidates.push(target.slice(0, -swap[0].length) + ext);
    else if (isSourceFile(target)) candidates.push(target);
    else candidates.push(...sourceExtensions.map((e) => target + e), ...sourceExtensions.map((e) => `${target}/index${e}`));
    const hit = candidates.find((c) => projectFiles.has(c));
    if (hit !== undefined) return { kind: 'project', file: hit };
    return { kind: 'unresolved', reason: `no project .ts file at ${candidates.join(' or ')}` };
  }
  if (isBuiltin(specifier)) return { kind: 'builtin', name: specifier };
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  if (name === selfPackageName) {
    return projectFiles.has(selfPackageEntry) ? { kind: 'project', file: selfPackageEntry } : { kind: 'unresolved', reason: `${selfPackageEntry} is missing` };
  }
  return { kind: 'package', name };
}

interface Edge {
  readonly from: string;
  readonly specifier: string | undefined;
  readonly line: number;
  readonly kind: ImportSite['kind'];
  readonly typeOnly: boolean;
  readonly to: Resolution;
}

function edgesOf(root: string, files: readonly string[]): Edge[] {
  const projectFiles = new Set(files);
  const edges: Edge[] = [];
  for (const from of files) {
    for (const site of importSitesOf(from, readFileSync(join(root, from), 'utf8'))) {
      const to: Resolution =
        site.specifier === undefined ? { kind: 'unresolved', reason: 'the specifier is not a string literal, so the rules cannot see where it leads' } : resolveSpecifier(from, site.specifier, projectFiles);
      edges.push({ from, specifier: site.specifier, line: site.line, kind: site.kind, typeOnly: site.typeOnly, to });
    }
  }
  return edges;
}

// ---------------------------------------------------------------------------------------------
// The rules.

interface OutgoingRule {
  readonly layer: Layer;
  readonly rule: string;
  /** The project folders this layer may import from. */
  readonly mayImport: readonly Layer[];
  /** Whether npm packages and Node builtins are allowed at all. */
  readonly externalsAllowed: boolean;
}

interface IncomingRule {
  readonly layer: Layer;
  readonly rule: string;
  /** The only project folders whose files may import this layer. */
  readonly importedOnlyBy: readonly Layer[];
}

const outgoingRules: readonly OutgoingRule[] = [
  { layer: 'raft', rule: 'raft/ imports only raft/: nothing else of the project, no npm package, no Node builtin', mayImport: ['raft'], externalsAllowed: false },
  { layer: 'storage', rule: 'storage/ imports only raft/ and storage/ (plus npm packages and builtins)', mayImport: ['raft', 'storage'], externalsAllowed: true },
  { layer: 'proto', rule: 'proto/ imports only proto/ (plus npm packages and builtins)', mayImport: ['proto'], externalsAllowed: true },
  {
    layer: 'client',
    rule: "client/ imports only client/ and proto/ (never raft/, storage/, cluster/: a user's bundle never pulls in the node)",
    mayImport: ['client', 'proto'],
    externalsAllowed: true,
  },
];

const incomingRules: readonly IncomingRule[] = [
  { layer: 'cluster', rule: 'nothing outside cluster/ imports cluster/, except test/ and bench/', importedOnlyBy: ['cluster', 'test', 'bench'] },
  { layer: 'test', rule: 'nothing outside test/ imports test/', importedOnlyBy: ['test'] },
  { layer: 'bench', rule: 'nothing outside bench/ imports bench/', importedOnlyBy: ['bench'] },
];

const describeSite = (e: Edge): string => `${e.from}:${e.line} ${e.typeOnly ? 'type-only ' : ''}${e.kind} '${e.specifier ?? '<non-literal>'}'`;

function layeringViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    if (e.to.kind === 'unresolved') {
      out.push(`${describeSite(e)} cannot be resolved (${e.to.reason}) — rule: every import of the project must be checkable`);
      continue;
    }
    const fromLayer = layerOf(e.from);
    const outgoing = outgoingRules.find((r) => r.layer === fromLayer);
    if (e.to.kind === 'project') {
      const toLayer = layerOf(e.to.file);
      if (outgoing !== undefined && (toLayer === undefined || !outgoing.mayImport.includes(toLayer))) {
        out.push(`${describeSite(e)} → ${e.to.file} — rule: ${outgoing.rule}`);
      }
      const incoming = incomingRules.find((r) => r.layer === toLayer);
      if (incoming !== undefined && (fromLayer === undefined || !incoming.importedOnlyBy.includes(fromLayer))) {
        out.push(`${describeSite(e)} → ${e.to.file} — rule: ${incoming.rule}`);
      }
    } else if (outgoing !== undefined && !outgoing.externalsAllowed) {
      out.push(`${describeSite(e)} → ${e.to.kind} ${e.to.name} — rule: ${outgoing.rule}`);
    }
  }
  return out;
}

/**
 * Import cycles between the project's files: every strongly connected component of more than one
 * file, and every file that imports itself. Each is printed as one concrete cycle (a → b → a)
 * followed by all the files of its component.
 */
function importCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): { readonly cycle: readonly string[]; readonly component: readonly string[] }[] {
  // Tarjan's algorithm, iterative so a long import chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const nodes = [...graph.keys()].sort();
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; succ: string[]; i: number }[] = [];
    const enter = (node: string): void => {
      index.set(node, next);
      low.set(node, next);
      next++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, succ: [...(graph.get(node) ?? [])].sort(), i: 0 });
    };
    enter(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      if (top.i < top.succ.length) {
        const w = top.succ[top.i++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!;
        low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
          if (w === top.node) break;
        }
        const selfLoop = graph.get(top.node)?.has(top.node) === true;
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.map((component) => {
    const first = component[0]!;
    const members = new Set(component);
    // Shortest path first → … → first inside the component (BFS), a concrete cycle to read.
    const previous = new Map<string, string>();
    const queue = [first];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const n = queue.shift()!;
      for (const w of [...(graph.get(n) ?? [])].sort()) {
        if (!members.has(w)) continue;
        if (w === first) {
          closing = n;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, n);
          queue.push(w);
        }
      }
    }
    const path = [first];
    for (let n = closing; n !== undefined && n !== first; n = previous.get(n)) path.splice(1, 0, n);
    return { cycle: [...path, first], component };
  });
}

function graphOf(files: readonly string[], edges: readonly Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>(files.map((f) => [f, new Set<string>()]));
  for (const e of edges) if (e.to.kind === 'project') graph.get(e.from)?.add(e.to.file);
  return graph;
}

/** One line per cycle: its files in order, then where each of its imports is written. */
function cycleReport(graph: ReadonlyMap<string, ReadonlySet<string>>, edges: readonly Edge[] = []): string[] {
  return importCycles(graph).map(({ cycle, component }) => {
    const sites: string[] = [];
    for (let i = 0; i + 1 < cycle.length; i++) {
      const e = edges.find((x) => x.from === cycle[i] && x.to.kind === 'project' && x.to.file === cycle[i + 1]);
      if (e !== undefined) sites.push(describeSite(e));
    }
    const rest = component.length > cycle.length - 1 ? `; its strongly connected component has ${component.length} files: ${component.join(', ')}` : '';
    return `import cycle: ${cycle.join(' → ')}${sites.length > 0 ? ` (${sites.join('; ')})` : ''}${rest} — rule: no import cycles`;
  });
}

// ---------------------------------------------------------------------------------------------
// The tree as it is.

describe('architecture: the direction of imports (issue 8, "Ports")', () => {
  const files = listSourceFiles(repoRoot);
  const edges = edgesOf(repoRoot, files);

  it('finds the project: every folder that exists has files, and raft/ has its core', () => {
    expect(files).toContain('raft/raft.ts');
    expect(files.some((f) => f.startsWith('proto/generated/'))).toBe(true);
    for (const layer of ['raft', 'storage', 'proto', 'client', 'cluster', 'test', 'bench'] as const) {
      expect(files.filter((f) => layerOf(f) === layer).length, `${layer}/ has .ts files`).toBeGreaterThan(0);
    }
    expect(edges.filter((e) => e.to.kind === 'project').length).toBeGreaterThan(files.length);
  });

  it('every import follows the layering rules', () => {
    const violations = layeringViolations(edges);
    expect(violations, `${violations.length} layering violation(s):\n${violations.join('\n')}`).toEqual([]);
  });

  it('no import cycles between the project files (type-only imports included)', () => {
    const cycles = cycleReport(graphOf(files, edges), edges);
    expect(cycles, `${cycles.length} import cycle(s):\n${cycles.join('\n')}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Teeth: the checks themselves catch what they claim to catch.

describe('architecture: the import checks have teeth', () => {
  it('finds every kind of import, type-only ones too, and never one inside a comment or a string', () => {
    const text = [
      "import { a } from './a.js';", // 1
      "import type { B } from '../storage/b.js';", // 2
      "export * from './c.js';", // 3
      "export type { D } from './d.js';", // 4
      "const e = await import('./e.js');", // 5
      "type F = typeof import('./f.js');", // 6
      "import g = require('./g.js');", // 7
      "// import { x } from './commented.js';", // 8
      "const s = \"import('./in-a-string.js')\";", // 9
      '/* export * from "./block-comment.js" */', // 10
      'const h = await import(pathOf());', // 11
      "const t = `import('./in-a-template.js')`;", // 12
      "import { type H } from './h.js';", // 13
      "import { type I, J } from './i.js';", // 14
    ].join('\n');
    expect(importSitesOf('raft/x.ts', text).map((s) => `${s.line} ${s.typeOnly ? 'type ' : ''}${s.kind} ${s.specifier ?? '<non-literal>'}`)).toEqual([
      '1 import ./a.js',
      '2 type import ../storage/b.js',
      '3 export-from ./c.js',
      '4 type export-from ./d.js',
      '5 dynamic-import ./e.js',
      '6 type import-type ./f.js',
      '7 import-equals ./g.js',
      '11 dynamic-import <non-literal>',
      '13 type import ./h.js',
      '14 import ./i.js',
    ]);
  });

  it('resolves NodeNext specifiers to .ts files, and says so when it cannot', () => {
    const files = new Set(['raft/raft.ts', 'raft/index.ts', 'proto/generated/x.ts', 'client/index.ts']);
    expect(resolveSpecifier('raft/raft-log.ts', './raft.js', files)).toEqual({ kind: 'project', file: 'raft/raft.ts' });
    expect(resolveSpecifier('cluster/node/node.ts', '../../raft/index.js', files)).toEqual({ kind: 'project', file: 'raft/index.ts' });
    expect(resolveSpecifier('proto/a.ts', './generated/x', files)).toEqual({ kind: 'project', file: 'proto/generated/x.ts' });
    expect(resolveSpecifier('test/x.test.ts', 'rangekv', files)).toEqual({ kind: 'project', file: 'client/index.ts' });
    expect(resolveSpecifier('raft/raft.ts', 'node:fs', files)).toEqual({ kind: 'builtin', name: 'node:fs' });
    expect(resolveSpecifier('client/a.ts', '@grpc/grpc-js/build/src/x', files)).toEqual({ kind: 'package', name: '@grpc/grpc-js' });
    expect(resolveSpecifier('raft/raft.ts', './gone.js', files).kind).toBe('unresolved');
  });

  it('names the file, the line and the rule of every planted layering violation, all at once', () => {
    const project = (file: string): Resolution => ({ kind: 'project', file });
    const planted: Edge[] = [
      { from: 'raft/raft.ts', specifier: '../storage/store.js', line: 3, kind: 'import', typeOnly: false, to: project('storage/store.ts') },
      { from: 'raft/raft.ts', specifier: 'node:fs', line: 4, kind: 'import', typeOnly: false, to: { kind: 'builtin', name: 'node:fs' } },
      { from: 'storage/store.ts', specifier: '../cluster/node/node.js', line: 5, kind: 'import', typeOnly: false, to: project('cluster/node/node.ts') },
      { from: 'proto/index.ts', specifier: '../client/index.js', line: 6, kind: 'import', typeOnly: false, to: project('client/index.ts') },
      { from: 'client/client.ts', specifier: '../raft/types.js', line: 7, kind: 'import', typeOnly: false, to: project('raft/types.ts') },
      { from: 'bench/kv-bench.ts', specifier: '../test/sim/simulation.js', line: 8, kind: 'import', typeOnly: false, to: project('test/sim/simulation.ts') },
      { from: 'test/x.test.ts', specifier: '../bench/kv-bench.js', line: 9, kind: 'import', typeOnly: false, to: project('bench/kv-bench.ts') },
      { from: 'storage/store.ts', specifier: undefined, line: 10, kind: 'dynamic-import', typeOnly: false, to: { kind: 'unresolved', reason: 'non-literal' } },
      // Allowed: must not be reported.
      { from: 'storage/store.ts', specifier: '../raft/index.js', line: 11, kind: 'import', typeOnly: false, to: project('raft/index.ts') },
      { from: 'client/client.ts', specifier: '../proto/index.js', line: 12, kind: 'import', typeOnly: false, to: project('proto/index.ts') },
      { from: 'test/x.test.ts', specifier: '../cluster/node/node.js', line: 13, kind: 'import', typeOnly: false, to: project('cluster/node/node.ts') },
      { from: 'bench/kv-bench.ts', specifier: '../cluster/node/node.js', line: 14, kind: 'import', typeOnly: false, to: project('cluster/node/node.ts') },
      { from: 'storage/store.ts', specifier: 'better-sqlite3', line: 15, kind: 'import', typeOnly: false, to: { kind: 'package', name: 'better-sqlite3' } },
    ];
    const v = layeringViolations(planted);
    expect(v).toHaveLength(9);
    expect(v[0]).toBe("raft/raft.ts:3 import '../storage/store.js' → storage/store.ts — rule: raft/ imports only raft/: nothing else of the project, no npm package, no Node builtin");
    expect(v[1]).toMatch(/^raft\/raft\.ts:4 .* builtin node:fs — rule: raft\/ imports only raft\//);
    expect(v[2]).toMatch(/^storage\/store\.ts:5 .* rule: storage\/ imports only raft\/ and storage\//);
    expect(v[3]).toMatch(/^storage\/store\.ts:5 .* rule: nothing outside cluster\/ imports cluster\//);
    expect(v[4]).toMatch(/^proto\/index\.ts:6 .* rule: proto\/ imports only proto\//);
    expect(v[5]).toMatch(/^client\/client\.ts:7 .* rule: client\/ imports only client\/ and proto\//);
    expect(v[6]).toMatch(/^bench\/kv-bench\.ts:8 .* rule: nothing outside test\/ imports test\//);
    expect(v[7]).toMatch(/^test\/x\.test\.ts:9 .* rule: nothing outside bench\/ imports bench\//);
    expect(v[8]).toMatch(/^storage\/store\.ts:10 .* cannot be resolved/);
  });

  it('prints every cycle as a list of files: self-imports, pairs and longer rings', () => {
    const graph = new Map<string, Set<string>>([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts', 'd.ts'])],
      ['d.ts', new Set()],
      ['e.ts', new Set(['e.ts'])],
      ['f.ts', new Set(['g.ts', 'd.ts'])],
      ['g.ts', new Set(['f.ts', 'h.ts'])],
      ['h.ts', new Set(['f.ts'])],
    ]);
    expect(cycleReport(graph).sort()).toEqual([
      'import cycle: a.ts → b.ts → c.ts → a.ts — rule: no import cycles',
      'import cycle: e.ts → e.ts — rule: no import cycles',
      'import cycle: f.ts → g.ts → f.ts; its strongly connected component has 3 files: f.ts, g.ts, h.ts — rule: no import cycles',
    ]);
    expect(cycleReport(new Map([['a.ts', new Set(['b.ts'])], ['b.ts', new Set<string>()]]))).toEqual([]);
  });
});
