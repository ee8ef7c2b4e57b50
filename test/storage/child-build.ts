import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Makes a TypeScript entry point runnable by plain `node` for tests that spawn real processes
 * (vitest runs TypeScript in-process, but a child process started with `node` cannot, and
 * `npm test` does not build dist/). Transpiles the entry and every relative module it imports,
 * transitively, into `outDir` (same layout), marks it as ESM, and links the repository's
 * node_modules so bare imports (better-sqlite3) resolve. Transpile-only: the typecheck step of
 * `npm test` has already checked these files. Returns the path of the entry's .js file.
 */
export function buildChildScript(repoRoot: string, entry: string, outDir: string): string {
  const seen = new Set<string>();
  const queue = [resolve(repoRoot, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)\.js'/g)) {
      queue.push(resolve(dirname(file), `${m[1]!}.ts`));
    }
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    const target = join(outDir, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return join(outDir, entry.replace(/\.ts$/, '.js'));
}
