/**
 * Where the fake node's entry point is as plain JavaScript. Compiled (npm run jepsen runs from
 * dist/), it is the sibling .js file. Under vitest the sources are TypeScript, which a child `node`
 * cannot run, so they are transpiled into `scratchDir` first (see test/storage/child-build.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function resolveFakeServerScript(scratchDir: string): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    const compiled = join(dirname(here), 'fake-kv-server.js');
    if (existsSync(compiled)) return compiled;
  }
  const repoRoot = resolve(dirname(here), '..', '..', '..');
  const { buildChildScript } = await import('../../storage/child-build.js');
  return buildChildScript(repoRoot, 'test/jepsen/fake/fake-kv-server.ts', join(scratchDir, 'fake-build'));
}
