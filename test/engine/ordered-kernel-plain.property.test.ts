/**
 * The ordered kernel's plain path (no exclusions, no optional steps; slot step times instead of node chains) must
 * leave the same outcome as its general path, timings included: the same random units through a kernel that may
 * take it and one told the definition has exclusions (which never takes it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedKernel } from '../../src/engine/ordered-kernel.js';

const unitArbitrary = fc.record({
  stepCount: fc.integer({ min: 1, max: 6 }),
  windowUs: fc.constantFrom(3, 8, 20, 1000),
  // Times with repeats (same-timestamp groups send the plain path back to the general loop).
  events: fc.array(fc.record({ t: fc.integer({ min: 0, max: 40 }), bits: fc.integer({ min: 0, max: 63 }) }), {
    minLength: 1,
    maxLength: 14,
  }),
});

describe('ordered kernel: plain path', () => {
  it('gives the general path’s outcome: counted, path, step times', () => {
    fc.assert(
      fc.property(unitArbitrary, ({ stepCount, windowUs, events }) => {
        const sorted = [...events].sort((a, b) => a.t - b.t);
        const mask = (1 << stepCount) - 1;
        const columns = {
          ts: Float64Array.from(sorted, (e) => e.t),
          // Each position fills at least one step (the stream keeps only such positions).
          steps: Int32Array.from(sorted, (e) => e.bits & mask || 1),
          exclusions: new Int32Array(sorted.length),
        };
        const options = { stepCount, windowUs, strict: false, optionalMask: 0 };
        const plain = new OrderedKernel(columns, { ...options, exclusions: false });
        const general = new OrderedKernel(columns, { ...options, exclusions: true });
        const outcome = (k: OrderedKernel) => ({
          counted: k.counted,
          pathBits: k.pathBits,
          timings: Array.from(k.timings.subarray(0, k.timingCount)),
          steps: Array.from(k.timingSteps.subarray(0, k.timingCount)),
        });
        expect(outcome(plain.run(0, sorted.length, null))).toEqual(outcome(general.run(0, sorted.length, null)));
      }),
      { numRuns: 3000, seed: 20261128 },
    );
  });
});
