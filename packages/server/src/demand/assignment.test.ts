import { describe, expect, it } from 'vitest';
import { assignParticipants, seededUniform } from './assignment.js';

const candidates = Array.from({ length: 50 }, (_, i) => ({ vehicleId: String(i + 1) }));

describe('assignParticipants', () => {
  it('is reproducible from the seed and independent of input order', () => {
    const a = assignParticipants(candidates, { seed: 'abc', controlShare: 0.2, randomizeS: 900 });
    const b = assignParticipants([...candidates].reverse(), { seed: 'abc', controlShare: 0.2, randomizeS: 900 });
    expect(b).toEqual(a);
    const c = assignParticipants(candidates, { seed: 'abd', controlShare: 0.2, randomizeS: 900 });
    expect(c.map((x) => x.grp)).not.toEqual(a.map((x) => x.grp));
  });

  it('holds back round(n × controlShare) as control, with no offsets', () => {
    const a = assignParticipants(candidates, { seed: 's1', controlShare: 0.2, randomizeS: 900 });
    const control = a.filter((x) => x.grp === 'control');
    expect(control).toHaveLength(10);
    expect(control.every((x) => x.startOffsetS === 0 && x.endOffsetS === 0)).toBe(true);
    expect(a.filter((x) => x.grp === 'treatment')).toHaveLength(40);
    expect(
      assignParticipants(candidates.slice(0, 3), { seed: 's', controlShare: 0.5, randomizeS: 0 }).filter(
        (x) => x.grp === 'control',
      ),
    ).toHaveLength(2);
  });

  it('draws treatment offsets within 0..randomizeS', () => {
    const a = assignParticipants(candidates, { seed: 's2', controlShare: 0, randomizeS: 900 });
    for (const x of a) {
      expect(x.startOffsetS).toBeGreaterThanOrEqual(0);
      expect(x.startOffsetS).toBeLessThanOrEqual(900);
      expect(x.endOffsetS).toBeLessThanOrEqual(900);
    }
    expect(new Set(a.map((x) => x.startOffsetS)).size).toBeGreaterThan(10);
    expect(
      assignParticipants(candidates, { seed: 's2', controlShare: 0, randomizeS: 0 }).every((x) => x.startOffsetS === 0),
    ).toBe(true);
  });

  it('rejects a control share outside 0..0.5', () => {
    expect(() => assignParticipants(candidates, { seed: 's', controlShare: 0.6, randomizeS: 0 })).toThrow(
      /controlShare/,
    );
  });

  it('seededUniform stays in [0, 1)', () => {
    const r = seededUniform('x');
    for (let i = 0; i < 1000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
});
