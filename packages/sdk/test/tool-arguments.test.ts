import { describe, expect, it } from 'vitest';
import { hashToolArguments } from '../src/index.js';

describe('hashToolArguments', () => {
  it('is the same for the same arguments in any key order, and differs for other arguments', () => {
    const a = hashToolArguments({ path: 'src/a.ts', options: { depth: 2, follow: true } });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hashToolArguments({ options: { follow: true, depth: 2 }, path: 'src/a.ts' })).toBe(a);
    expect(hashToolArguments({ path: 'src/b.ts', options: { depth: 2, follow: true } })).not.toBe(a);
    expect(hashToolArguments(['x', 1])).not.toBe(hashToolArguments([1, 'x']));
  });
});
