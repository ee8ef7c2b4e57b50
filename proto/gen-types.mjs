// Regenerates proto/generated/ (TypeScript types for the .proto files) with @grpc/proto-loader's
// generator, then adds the `.js` suffix that ESM with NodeNext resolution requires on relative
// imports (the generator writes extensionless paths). Run with `npm run proto:gen`; a test checks
// that the committed output is current.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const protoDir = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] ?? join(protoDir, 'generated');
export const protoFiles = ['rangekv/v1/kv.proto', 'rangekv/v1/errors.proto', 'rangekv/v1/admin.proto', 'rangekv/internal/v1/internal.proto'];

rmSync(outDir, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    join(protoDir, '..', 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js'),
    ...protoFiles,
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--grpcLib=@grpc/grpc-js',
    `--outDir=${outDir}`,
    `--includeDirs=${protoDir}`,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) {
      const src = readFileSync(p, 'utf8');
      const fixed = src
        .replace(/(from\s+'\.{1,2}\/[^']+?)(?<!\.js)'/g, "$1.js'")
        // The generator's constructor constraint uses `any`; `never[]` parameters and an `unknown`
        // instance accept every constructor just the same, and keep `any` out of the tree.
        .replaceAll('new (...args: any) => any', 'new (...args: never[]) => unknown').replace(/^\/\/ Original file: .*$/m, (l) => l.replace(protoDir + '/', ''));
      writeFileSync(p, fixed);
    }
  }
}
walk(outDir);
