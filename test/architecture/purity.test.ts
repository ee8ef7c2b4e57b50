/**
 * Architecture (issue 8, "Ports"): raft/ and the node's logic in cluster/ reach time, timers,
 * randomness and the network only through what they are given — ticks and a seeded Rng for the
 * raft core, the ports (Clock, Timers, Rng, the network) for the node — so the simulators can run
 * the real code from a seed. Only the production adapters may touch the real things:
 * cluster/ports/real-ports.ts, cluster/grpc/** and cluster/cli/**.
 *
 * The check reads the syntax tree (TypeScript compiler API), so comments and strings never count:
 * it looks at free identifiers (Date, performance, setTimeout …), property accesses (Math.random,
 * process.nextTick, crypto.randomUUID …) and module specifiers (static, `export … from`,
 * dynamic `import()`, `require`, `import('…')` types). Type positions (`t: Date`) do not count:
 * they read no clock. Every finding is reported at once, as file:line, what was used, and the rule.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------------------------
// What counts as reaching the real world.

/** Globals that read the clock, start timers or draw OS randomness when referenced at all. */
const bannedGlobals: ReadonlyMap<string, string> = new Map([
  ['Date', 'the wall clock'],
  ['performance', 'the monotonic clock'],
  ['setTimeout', 'a real timer'],
  ['setInterval', 'a real timer'],
  ['setImmediate', 'a real timer'],
  ['clearTimeout', 'a real timer'],
  ['clearInterval', 'a real timer'],
  ['clearImmediate', 'a real timer'],
  ['randomBytes', 'OS randomness'],
  ['randomInt', 'OS randomness'],
  ['randomUUID', 'OS randomness'],
  ['getRandomValues', 'OS randomness'],
  ['randomFill', 'OS randomness'],
  ['randomFillSync', 'OS randomness'],
]);

/** Members of crypto that draw OS randomness, on whatever object they are reached through. */
const cryptoRandomMembers: ReadonlySet<string> = new Set(['randomBytes', 'randomInt', 'randomUUID', 'getRandomValues', 'randomFill', 'randomFillSync']);

/** Members of particular globals that read the clock, schedule work or draw randomness. */
const bannedMembers: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ['Math', new Map([['random', 'unseeded randomness']])],
  [
    'process',
    new Map([
      ['nextTick', 'a real timer'],
      ['hrtime', 'the monotonic clock'],
      ['uptime', 'the monotonic clock'],
    ]),
  ],
]);

/** Names under which the global object itself is reached (globalThis.setTimeout is setTimeout). */
const globalObjectNames: ReadonlySet<string> = new Set(['globalThis', 'global', 'self', 'window']);

const moduleName = (specifier: string): string => {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : bare;
};

/** Modules of the network, subprocesses, the clock and timers: forbidden in the node's logic. */
const clusterBannedModules: ReadonlyMap<string, string> = new Map([
  ['@grpc/grpc-js', 'gRPC'],
  ['net', 'the network'],
  ['http', 'the network'],
  ['http2', 'the network'],
  ['https', 'the network'],
  ['tls', 'the network'],
  ['dns', 'the network'],
  ['dgram', 'the network'],
  ['child_process', 'subprocesses'],
  ['perf_hooks', 'the monotonic clock'],
  ['timers', 'real timers'],
  ['timers/promises', 'real timers'],
]);

/** The raft core imports no Node builtin at all (every one is I/O, a clock, timers or randomness) and no I/O package. */
const raftBannedPackages: ReadonlyMap<string, string> = new Map([
  ['@grpc/grpc-js', 'gRPC'],
  ['@grpc/proto-loader', 'gRPC (reads .proto files)'],
  ['better-sqlite3', 'SQLite'],
  ['pino', 'the logger'],
]);

interface PurityRule {
  readonly name: string;
  readonly covers: (file: string) => boolean;
  /** Why importing this specifier is forbidden, or undefined when it is allowed. */
  readonly bannedModule: (specifier: string) => string | undefined;
}

/** The production adapters: the only files of cluster/ allowed to touch the real clock, timers, randomness and sockets. */
const clusterAdapterFiles: readonly string[] = ['cluster/ports/real-ports.ts'];
const clusterAdapterFolders: readonly string[] = ['cluster/grpc/', 'cluster/cli/'];

const clusterRule: PurityRule = {
  name:
    'cluster/ (outside cluster/ports/real-ports.ts, cluster/grpc/**, cluster/cli/**) reaches time, timers, randomness and the network only through its ports: ' +
    'no Date, performance, setTimeout/setInterval/setImmediate/clear*, process.nextTick, Math.random, crypto randomness, ' +
    'no @grpc/grpc-js, node:net, node:http, node:http2, node:https, node:tls, node:dns, node:dgram, node:child_process, node:perf_hooks, node:timers',
  covers: (file) => file.startsWith('cluster/') && !clusterAdapterFiles.includes(file) && !clusterAdapterFolders.some((d) => file.startsWith(d)),
  bannedModule: (specifier) => clusterBannedModules.get(moduleName(specifier)),
};

const raftRule: PurityRule = {
  name:
    'raft/ is pure and deterministic: time comes from ticks and randomness from the injected seeded Rng — ' +
    'no Date, performance, timers, process.nextTick, Math.random, crypto randomness, no Node builtin module (no I/O), no gRPC, SQLite or logger',
  covers: (file) => file.startsWith('raft/'),
  bannedModule: (specifier) => (isBuiltin(specifier) ? 'a Node builtin (I/O, clock, timers or randomness)' : raftBannedPackages.get(moduleName(specifier))),
};

const rules: readonly PurityRule[] = [raftRule, clusterRule];

// ---------------------------------------------------------------------------------------------
// The scanner.

interface Finding {
  readonly line: number;
  /** What the code used, e.g. `Date.now`, `Math.random`, `import 'node:net'`. */
  readonly used: string;
  readonly why: string;
}

/** Whether an identifier sits in a type (a type reads no clock), except a class's runtime `extends`. */
function inTypePosition(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n !== undefined && !ts.isSourceFile(n); n = n.parent) {
    if (ts.isExpressionWithTypeArguments(n) && ts.isHeritageClause(n.parent) && n.parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(n.parent.parent)) return false;
    if (ts.isTypeNode(n)) return true;
  }
  return false;
}

/** Whether an identifier refers to a binding in scope (a global, if nothing shadows it), not a property name or a label. */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && (ts.isPropertyAccessExpression(p) ? p.name : p.right) === id) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isEnumMember(p)) &&
    p.name === id
  ) {
    return false;
  }
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return !inTypePosition(id);
}

function memberWhy(objectName: string | undefined, member: string): string | undefined {
  if (cryptoRandomMembers.has(member)) return 'OS randomness';
  if (objectName === undefined) return undefined;
  if (globalObjectNames.has(objectName)) return bannedGlobals.get(member);
  return bannedMembers.get(objectName)?.get(member);
}

function purityFindings(fileName: string, text: string, rule: PurityRule): Finding[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (node: ts.Node, used: string, why: string): void => {
    findings.push({ line: lineOf(node), used, why });
  };
  const checkModule = (node: ts.Node, specifier: ts.Node | undefined, how: string): void => {
    if (specifier === undefined || !(ts.isStringLiteral(specifier) || ts.isNoSubstitutionTemplateLiteral(specifier))) return;
    const why = rule.bannedModule(specifier.text);
    if (why !== undefined) add(node, `${how} '${specifier.text}'`, why);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) checkModule(node, node.moduleSpecifier, 'import');
    else if (ts.isExportDeclaration(node)) checkModule(node, node.moduleSpecifier, 'export from');
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) checkModule(node, node.moduleReference.expression, 'import = require');
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) checkModule(node, node.arguments[0], 'import()');
    else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') checkModule(node, node.arguments[0], 'require');
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) checkModule(node, node.argument.literal, 'import() type');
    else if (ts.isIdentifier(node)) {
      const why = bannedGlobals.get(node.text);
      if (why !== undefined && isReference(node)) {
        const p = node.parent;
        const used = ts.isPropertyAccessExpression(p) && p.expression === node ? `${node.text}.${p.name.text}` : ts.isNewExpression(p) && p.expression === node ? `new ${node.text}` : node.text;
        add(node, used, why);
      }
    } else if (ts.isPropertyAccessExpression(node) || (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression))) {
      const member = ts.isPropertyAccessExpression(node) ? node.name.text : (node.argumentExpression as ts.StringLiteralLike).text;
      const objectName = ts.isIdentifier(node.expression) ? node.expression.text : undefined;
      const why = memberWhy(objectName, member);
      if (why !== undefined) add(node, `${objectName ?? node.expression.getText(sf)}.${member}`, why);
    } else if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined) {
      // const { random } = Math; const { nextTick } = process; const { randomUUID } = crypto
      const objectName = ts.isIdentifier(node.initializer) ? node.initializer.text : undefined;
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        if (!ts.isIdentifier(key)) continue;
        const why = memberWhy(objectName, key.text);
        if (why !== undefined) add(element, `{ ${key.text} } = ${objectName ?? node.initializer.getText(sf)}`, why);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

// ---------------------------------------------------------------------------------------------
// The tree as it is.

function listTsFiles(folder: string): string[] {
  const dir = join(repoRoot, folder);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(relative(repoRoot, full).split(sep).join(posix.sep));
    }
  };
  walk(dir);
  return out.sort();
}

function violationsOf(rule: PurityRule, files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files.filter(rule.covers)) {
    for (const f of purityFindings(file, readFileSync(join(repoRoot, file), 'utf8'), rule)) out.push(`${file}:${f.line} ${f.used} (${f.why})`);
  }
  return out;
}

describe('architecture: purity of raft/ and of the node behind its ports (issue 8, "Ports")', () => {
  const raftFiles = listTsFiles('raft');
  const clusterFiles = listTsFiles('cluster');

  it('raft/: no clock, no timers, no unseeded randomness, no I/O module', () => {
    expect(raftFiles).toContain('raft/raft.ts');
    const violations = violationsOf(raftRule, raftFiles);
    expect(violations, `${violations.length} violation(s) of the rule "${raftRule.name}":\n${violations.join('\n')}`).toEqual([]);
  });

  it('cluster/: the real clock, timers, randomness and network only in the production adapters', () => {
    expect(clusterFiles.filter(clusterRule.covers).length).toBeGreaterThan(0);
    for (const file of clusterAdapterFiles) expect(existsSync(join(repoRoot, file)), `the exempt adapter ${file} exists (a stale exemption hides nothing)`).toBe(true);
    const violations = violationsOf(clusterRule, clusterFiles);
    expect(violations, `${violations.length} violation(s) of the rule "${clusterRule.name}":\n${violations.join('\n')}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Teeth: the scanner catches what it claims to catch, and nothing in comments, strings or types.

const found = (text: string, rule: PurityRule = clusterRule): string[] => purityFindings('cluster/node/x.ts', text, rule).map((f) => `${f.line} ${f.used}`);

describe('architecture: the purity check has teeth', () => {
  it('catches every banned clock, timer and randomness use, at its line', () => {
    const text = [
      'const a = Date.now();', // 1
      'const b = new Date();', // 2
      'const c = performance.now();', // 3
      'setTimeout(() => {}, 10);', // 4
      'const i = setInterval(tick, 5); clearInterval(i);', // 5
      'setImmediate(run);', // 6
      'clearTimeout(t);', // 7
      'process.nextTick(run);', // 8
      'const r = Math.random();', // 9
      "const r2 = Math['random']();", // 10
      'const id = crypto.randomUUID();', // 11
      'const n = randomInt(10);', // 12
      'globalThis.setTimeout(run, 1);', // 13
      'const { nextTick } = process;', // 14
      'const t0 = process.hrtime.bigint();', // 15
      'const bytes = webcrypto.getRandomValues(buf);', // 16
      'const s = `${Date.now()}`;', // 17
    ].join('\n');
    expect(found(text)).toEqual([
      '1 Date.now',
      '2 new Date',
      '3 performance.now',
      '4 setTimeout',
      '5 setInterval',
      '5 clearInterval',
      '6 setImmediate',
      '7 clearTimeout',
      '8 process.nextTick',
      '9 Math.random',
      '10 Math.random',
      '11 crypto.randomUUID',
      '12 randomInt',
      '13 globalThis.setTimeout',
      '14 { nextTick } = process',
      '15 process.hrtime',
      '16 webcrypto.getRandomValues',
      '17 Date.now',
    ]);
  });

  it('catches every banned module, however it is imported', () => {
    const text = [
      "import * as grpc from '@grpc/grpc-js';", // 1
      "import type { Server } from 'node:net';", // 2
      "import http from 'http';", // 3
      "export { connect } from 'node:http2';", // 4
      "const dgram = await import('node:dgram');", // 5
      "import { spawn } from 'node:child_process';", // 6
      "import { performance as p } from 'node:perf_hooks';", // 7
      "type Ch = import('@grpc/grpc-js/build/src/channel').Channel;", // 8
      "import { setTimeout as sleep } from 'node:timers/promises';", // 9
      "import { randomBytes } from 'node:crypto';", // 10
    ].join('\n');
    expect(found(text)).toEqual([
      "1 import '@grpc/grpc-js'",
      "2 import 'node:net'",
      "3 import 'http'",
      "4 export from 'node:http2'",
      "5 import() 'node:dgram'",
      "6 import 'node:child_process'",
      "7 import 'node:perf_hooks'",
      '7 performance',
      "8 import() type '@grpc/grpc-js/build/src/channel'",
      "9 import 'node:timers/promises'",
      '9 setTimeout',
      '10 randomBytes',
    ]);
  });

  it('ignores comments, strings, types, property names and the ports themselves', () => {
    const text = [
      '// Date.now() and Math.random() and setTimeout(fn) in a comment',
      "/* import * as grpc from '@grpc/grpc-js'; */",
      "const s = 'performance.now() process.nextTick Math.random()';",
      'const t = `setTimeout(fn, 1)`;',
      'let when: Date | undefined;',
      'type Handle = ReturnType<typeof setTimeout>;',
      'const o = { Date: 1, setTimeout: 2 };',
      'this.timers.after(10, fn); this.clock.monotonicMs(); this.rng.int(3);',
      'ports.timers.setTimeout(fn); o.Date;',
      "import { createHash } from 'node:crypto';",
      "import { EventEmitter } from 'node:events';",
    ].join('\n');
    expect(found(text)).toEqual([]);
  });

  it('for raft/: any Node builtin and the I/O packages are banned', () => {
    const text = ["import { readFileSync } from 'node:fs';", "import assert from 'assert';", "import Database from 'better-sqlite3';", "import { x } from './types.js';"].join('\n');
    expect(found(text, raftRule)).toEqual(["1 import 'node:fs'", "2 import 'assert'", "3 import 'better-sqlite3'"]);
  });

  it('exempts exactly the production adapters', () => {
    expect(clusterRule.covers('cluster/node/node.ts')).toBe(true);
    expect(clusterRule.covers('cluster/ports/clock.ts')).toBe(true);
    expect(clusterRule.covers('cluster/grpcish/x.ts')).toBe(true);
    expect(clusterRule.covers('cluster/ports/real-ports.ts')).toBe(false);
    expect(clusterRule.covers('cluster/grpc/grpc-transport.ts')).toBe(false);
    expect(clusterRule.covers('cluster/cli/cli.ts')).toBe(false);
    expect(clusterRule.covers('raft/raft.ts')).toBe(false);
    expect(rules.every((r) => r.name.length > 0)).toBe(true);
  });

  it('the exempt adapter really is where the clock, timers and randomness live (the scanner sees them in real code)', () => {
    const adapter = clusterAdapterFiles[0]!;
    const used = purityFindings(adapter, readFileSync(join(repoRoot, adapter), 'utf8'), clusterRule).map((f) => f.used);
    expect(used).toEqual(expect.arrayContaining(['Date.now', 'performance.now', 'setTimeout', "import 'node:perf_hooks'", 'randomInt']));
  });
});
