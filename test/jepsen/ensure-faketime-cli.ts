/**
 * For CI and setup scripts: `node dist/test/jepsen/ensure-faketime-cli.js` makes sure libfaketime is
 * installed (apt-get install -y faketime when missing and run as root) and prints its path.
 * Exit 0 when it is there, 1 with the reason (and how to install it) otherwise.
 */
import { ensureLibfaketime, FaketimeError } from './faketime.js';

try {
  const path = ensureLibfaketime({ install: !process.argv.includes('--no-install'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${path}\n`);
} catch (error: unknown) {
  process.stdout.write(`libfaketime unavailable: ${error instanceof FaketimeError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
