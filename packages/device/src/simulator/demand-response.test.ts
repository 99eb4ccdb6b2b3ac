import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildFleet, FleetRunner } from './fleet.js';

const START = Date.UTC(2026, 6, 13, 4);
function fleetHash(): string {
  const hash = createHash('sha256');
  const vehicles = buildFleet({ program: 'alectra', vehicles: 8, seed: 18, startMs: START });
  new FleetRunner(vehicles, {
    reading: (v, f) => hash.update(`${v.spec.serial},${f.timeMs},${f.socPct},${f.chargePowerW},${f.speedMps}\n`),
  }).advance(START + 2 * 86_400_000);
  return hash.digest('hex');
}

describe('demand response in the simulator', () => {
  it('leaves a run without events as it was before demand response existed', () => {
    expect(fleetHash()).toBe('60756a207e71123884a21ecd1da2fd1101fd19a3df66b4abca6a30f1fcf3de2c');
  });
});
