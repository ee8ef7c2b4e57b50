import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheckCommand } from './check-command.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function run(argv: readonly string[], files: Readonly<Record<string, string>> = {}): { code: number; lines: string[]; stderr: string } {
  let out = '';
  let err = '';
  const code = runCheckCommand(argv, {
    write: (text) => {
      out += text;
    },
    writeError: (text) => {
      err += text;
    },
    readFile: (path) => {
      const inline = files[path];
      if (inline !== undefined) return inline;
      return readFileSync(path.startsWith('/') ? path : join(fixtures, path), 'utf8');
    },
  });
  return { code, lines: out.trimEnd().split('\n'), stderr: err };
}

function lastLine(lines: readonly string[]): string {
  return lines[lines.length - 1] ?? '';
}

describe('check command', () => {
  it.each([
    ['register', 'register-valid.jsonl', 0, /^VALID register: /],
    ['register', 'register-stale-read.jsonl', 1, /^INVALID register: /],
    ['set', 'set-valid.jsonl', 0, /^VALID set: /],
    ['set', 'set-lost-insert.jsonl', 1, /^INVALID set: 1 lost/],
    ['bank', 'bank-valid.jsonl', 0, /^VALID bank: /],
    ['bank', 'bank-bad-sum.jsonl', 1, /^INVALID bank: /],
    ['list-append', 'list-append-valid.jsonl', 0, /^VALID list-append: /],
    ['list-append', 'list-append-write-skew.jsonl', 1, /^INVALID list-append: G2 /],
    ['list-append', 'list-append-aborted-read.jsonl', 1, /^INVALID list-append: G1a /],
  ] as const)('--model %s %s exits %i with the verdict last', (model, file, code, verdict) => {
    const result = run(['--model', model, file]);
    expect(result.code).toBe(code);
    expect(lastLine(result.lines)).toMatch(verdict);
  });

  it('passes model options through', () => {
    expect(run(['--model', 'list-append', '--consistency', 'snapshot-isolation', 'list-append-write-skew.jsonl']).code).toBe(0);
    expect(run(['--model', 'bank', '--total', '90', 'bank-bad-sum.jsonl']).lines.at(-1)).toMatch(/INVALID bank: 2 of 2 reads/);
  });

  it('exits 2 when the register search budget runs out', () => {
    const lines: string[] = [];
    let index = 0;
    let timeNs = 0;
    const event = (process: number, type: string, f: string, value: unknown): void => {
      lines.push(JSON.stringify({ index: index++, time: (timeNs += 1000), process, type, f, key: 'k', value }));
    };
    for (let p = 0; p < 24; p++) event(p, 'invoke', 'write', p % 2);
    for (let p = 0; p < 24; p++) event(p, 'info', 'write', p % 2);
    for (let i = 0; i < 26; i++) {
      event(100, 'invoke', 'read', null);
      event(100, 'ok', 'read', i % 2);
    }
    const result = run(['--model', 'register', '--max-states', '100', 'hard.jsonl'], { 'hard.jsonl': lines.join('\n') });
    expect(result.code).toBe(2);
    expect(lastLine(result.lines)).toMatch(/^UNKNOWN register: search budget exhausted/);
  });

  it('exits 3 with an ERROR verdict naming the line for a malformed history, never VALID', () => {
    const result = run(['--model', 'register', 'malformed-double-invoke.jsonl']);
    expect(result.code).toBe(3);
    expect(lastLine(result.lines)).toMatch(/^ERROR register: malformed history \(DOUBLE_INVOKE\) .*line 2: process 0 invokes "read"/);
    const notJson = run(['--model', 'set', 'x.jsonl'], { 'x.jsonl': '{"index":0}\nnot json\n' });
    expect(notJson.code).toBe(3);
    expect(lastLine(notJson.lines)).toMatch(/line 1: "time" must be an integer/);
  });

  it('accepts unfinished operations as info only when asked', () => {
    const history = '{"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"a","value":1}\n{"index":1,"time":2,"process":1,"type":"invoke","f":"read","key":"a","value":null}\n{"index":2,"time":3,"process":1,"type":"ok","f":"read","key":"a","value":1}\n';
    expect(run(['--model', 'register', 'h.jsonl'], { 'h.jsonl': history }).code).toBe(3);
    expect(run(['--model', 'register', '--pending-as-info', 'h.jsonl'], { 'h.jsonl': history }).code).toBe(0);
  });

  it('exits 3 on bad usage and unreadable files, 0 on --help', () => {
    expect(run(['register-valid.jsonl']).code).toBe(3);
    expect(run(['--model', 'queue', 'register-valid.jsonl']).code).toBe(3);
    expect(run(['--model', 'register', '--max-states', '0', 'register-valid.jsonl']).code).toBe(3);
    const missing = run(['--model', 'register', '/nonexistent/history.jsonl']);
    expect(missing.code).toBe(3);
    expect(lastLine(missing.lines)).toMatch(/^ERROR check: cannot read/);
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.lines.join('\n')).toContain('--model <model>');
  });

  it('prints the result as JSON before the verdict with --json', () => {
    const result = run(['--model', 'set', '--json', 'set-lost-insert.jsonl']);
    const verdict = result.lines.pop();
    expect(verdict).toMatch(/^INVALID set:/);
    const start = result.lines.indexOf('{');
    const parsed: unknown = JSON.parse(result.lines.slice(start).join('\n'));
    expect(parsed).toMatchObject({ model: 'set', verdict: 'invalid' });
  });
});
