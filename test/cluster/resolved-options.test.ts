import { describe, expect, it } from 'vitest';
import { commandKeyBytesMax, commandValueBytesMax } from '../../cluster/kv/command-limits.js';
import { resolveOptions } from '../../cluster/node/resolved-options.js';
import type { NodeOptions } from '../../cluster/config/node-options.js';

const base = { storeId: 1 } as unknown as NodeOptions;

describe('node options', () => {
  it('default to the limits every replica applies', () => {
    const o = resolveOptions(base);
    expect(o.keyBytesMax).toBe(commandKeyBytesMax);
    expect(o.valueBytesMax).toBe(commandValueBytesMax);
  });

  it('may make the API stricter than apply, never looser (a looser node would admit what every replica refuses)', () => {
    expect(resolveOptions({ ...base, keyBytesMax: 100, valueBytesMax: 1000 }).keyBytesMax).toBe(100);
    expect(() => resolveOptions({ ...base, keyBytesMax: commandKeyBytesMax + 1 })).toThrow(/keyBytesMax must be at most 4096/);
    expect(() => resolveOptions({ ...base, valueBytesMax: commandValueBytesMax + 1 })).toThrow(/valueBytesMax must be at most/);
    expect(() => resolveOptions({ ...base, keyBytesMax: 0 })).toThrow(/positive integer/);
  });
});
