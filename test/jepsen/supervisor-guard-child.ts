/**
 * Test fixture (process-supervisor.test.ts): a stand-in harness that starts sleepers through a
 * ProcessSupervisor with its guards installed, prints their PIDs as one JSON line, then waits to
 * be signalled — or crashes with an uncaught error after --crash-after-ms. Exits by itself after
 * 30 s whatever happens.
 */
import { parseArgs } from 'node:util';
import { ProcessSupervisor } from './process-supervisor.js';

const { values } = parseArgs({
  options: {
    'log-dir': { type: 'string' },
    sleepers: { type: 'string', default: '2' },
    lifeline: { type: 'boolean', default: false },
    'crash-after-ms': { type: 'string' },
  },
});

const SLEEPER = `
if (process.argv[1] === 'lifeline') { process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); }
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => process.exit(0), 60000);
`;

const supervisor = new ProcessSupervisor({ logDir: values['log-dir'] ?? '.' });
supervisor.installGuards();
const pids: number[] = [];
for (let i = 0; i < Number(values.sleepers); i++) {
  supervisor.add({
    name: `s${i}`,
    command: process.execPath,
    args: ['-e', SLEEPER, values.lifeline ? 'lifeline' : 'plain'],
    stdinLifeline: values.lifeline,
  });
  pids.push(await supervisor.start(`s${i}`));
}
process.stdout.write(`${JSON.stringify({ pids })}\n`);
const crashAfterMs = values['crash-after-ms'];
if (crashAfterMs !== undefined) {
  setTimeout(() => {
    throw new Error('the harness crashed');
  }, Number(crashAfterMs));
}
setTimeout(() => process.exit(0), 30_000);
