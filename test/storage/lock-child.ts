/**
 * Child process of the store lock test: opens the store at `--db` and reports one line on stdout —
 * `owner <pid>` (then holds the store until stdin closes, closes it and prints `closed`), or
 * `locked <ownerPid|unknown>`, or `error <message>` — then exits. With `--write-range N` the owner
 * first creates range N, so the next owner can see the database was really written.
 *
 * stdout is a pipe; writeSync makes each line reach the parent before anything else happens.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isStorageError } from '../../storage/storage-error.js';
import { Store } from '../../storage/store.js';
import { confOf } from './helpers.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, 'write-range': { type: 'string' } } });
if (values.db === undefined) throw new Error('usage: lock-child --db PATH [--write-range N]');

let store: Store;
try {
  store = Store.open({ path: values.db, clusterId: 'lock-test', storeId: 1 });
} catch (e) {
  if (isStorageError(e, 'LOCKED')) writeSync(1, `locked ${e.ownerPid ?? 'unknown'}\n`);
  else writeSync(1, `error ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(0);
}
if (values['write-range'] !== undefined) {
  const rangeId = Number(values['write-range']);
  const span = { start: Buffer.from(`r${rangeId}`), end: Buffer.from(`r${rangeId + 1}`) };
  store.batch().createRange(rangeId, { span, descriptor: Buffer.alloc(0), confState: confOf(1) }).commit();
}
writeSync(1, `owner ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  store.close();
  writeSync(1, 'closed\n');
  process.exit(0);
});
