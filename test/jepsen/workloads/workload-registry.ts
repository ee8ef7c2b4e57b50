/**
 * The workloads the harness knows, by --workload name, and the ones planned but not yet possible.
 */
import type { CheckModel } from '../run-checker.js';
import { RegisterWorkload } from './register-workload.js';
import { SetWorkload } from './set-workload.js';
import type { Workload, WorkloadOptions } from './workload.js';

export const WORKLOAD_NAMES = ['register', 'set'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** Workloads whose checker exists (run-checker.ts) but which need transactions from the database. */
export const PLANNED_WORKLOADS: Readonly<Record<string, string>> = {
  bank: 'needs multi-key transactions (transfer between accounts, read all balances at once); its checker is ready (--model bank)',
  'list-append': 'needs transactions of appends and reads (Elle-style); its checker is ready (--model list-append)',
};

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}

export function createWorkload(name: WorkloadName, options: WorkloadOptions): Workload {
  switch (name) {
    case 'register':
      return new RegisterWorkload(options);
    case 'set':
      return new SetWorkload(options);
  }
}

/** Why `name` cannot run, or null when it can. */
export function workloadUnavailableReason(name: string): string | null {
  if (isWorkloadName(name)) return null;
  const planned = PLANNED_WORKLOADS[name];
  if (planned !== undefined) return `workload ${name} is not available yet: it ${planned}`;
  return `unknown workload ${name} (known: ${WORKLOAD_NAMES.join(', ')})`;
}

/** The checker model that judges a workload's history. */
export function checkModelOf(name: WorkloadName): CheckModel {
  switch (name) {
    case 'register':
      return 'register';
    case 'set':
      return 'set';
  }
}
