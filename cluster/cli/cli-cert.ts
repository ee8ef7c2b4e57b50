import { InvalidArgumentError, type Command } from 'commander';
import { createCa, createClientCert, createNodeCert, type CertPaths } from '../grpc/security/certificates.js';
import type { CliContext } from './cli-context.js';

/**
 * `rangekv cert …`: the files a secure cluster needs (like `cockroach cert`). One CA per cluster;
 * a certificate per node (naming the addresses it is reached at and, with --store-id, the store it
 * speaks for); a certificate per client user (`root` is the default admin).
 */
export function registerCert(program: Command, ctx: CliContext): void {
  const io = ctx.io;
  const printed = (what: string, p: CertPaths): void => io.stdout(`${what}: ${p.cert} (key ${p.key})\n`);
  const cert = program
    .command('cert')
    .description('create the certificates of a secure cluster')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText(
      'after',
      [
        '',
        'A 3-node cluster on one machine:',
        '  rangekv cert create-ca --certs-dir certs',
        '  rangekv cert create-node 127.0.0.1 localhost --store-id 1 --certs-dir certs   # and 2, 3',
        '  rangekv cert create-client root --certs-dir certs',
        '  rangekv start ... --tls-cert certs/node.1.crt --tls-key certs/node.1.key --tls-ca certs/ca.crt',
        '  rangekv kv put k v --tls-ca certs/ca.crt --tls-cert certs/client.root.crt --tls-key certs/client.root.key',
        'Keep ca.key away from the nodes; re-issue a certificate with --overwrite and send the node SIGHUP.',
      ].join('\n'),
    );
  const dirOption = (c: Command): Command => c.requiredOption('--certs-dir <dir>', 'directory of the certificate files').option('--overwrite', 'replace existing files');
  dirOption(cert.command('create-ca').description("create the cluster's certificate authority (ca.crt, ca.key)").exitOverride()).action((f: { certsDir: string; overwrite?: boolean }) => {
    printed('CA', createCa(f.certsDir, { overwrite: f.overwrite === true }));
  });
  dirOption(cert.command('create-node <addresses...>').description('create a node certificate for the host names and IPs it is reached at').exitOverride())
    .option('--store-id <n>', 'the store this node runs (required; repeatable); its peers refuse messages it sends for other stores', collectStore, [])
    .action((addresses: string[], f: { certsDir: string; overwrite?: boolean; storeId: number[] }) => {
      printed('node certificate', createNodeCert(f.certsDir, addresses, { storeIds: f.storeId, overwrite: f.overwrite === true }));
    });
  dirOption(cert.command('create-client <name>').description('create a client certificate for a user (admins are named by --admins on the nodes; default root)').exitOverride()).action(
    (name: string, f: { certsDir: string; overwrite?: boolean }) => {
      printed(`client certificate of ${name}`, createClientCert(f.certsDir, name, { overwrite: f.overwrite === true }));
    },
  );
}

function collectStore(v: string, previous: readonly number[]): number[] {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return [...previous, n];
}
