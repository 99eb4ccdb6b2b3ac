import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DrWindow } from './demand-response.js';
import { buildFleet, drGroundTruth, FleetRunner } from './fleet.js';

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

describe('drGroundTruth: an evening event 17:00–20:00 on a fleet of 50', () => {
  // Ontario in July is UTC−4: 17:00–20:00 local on Tuesday 14 July 2026 is 21:00–24:00 UTC.
  const start = Date.UTC(2026, 6, 14, 21);
  const end = Date.UTC(2026, 6, 15, 0);
  const spec = { program: 'alectra' as const, vehicles: 50, seed: 7, startMs: START };
  const serial = (i: number) => `SIM-ALECTRA-7-${String(i + 1).padStart(4, '0')}`;
  const windows = new Map<string, DrWindow[]>();
  for (let i = 0; i < 50; i++) {
    const group = i < 20 ? 'curtail' : i < 30 ? 'cap' : 'control';
    windows.set(serial(i), [
      {
        eventId: 'ev-1',
        startMs: start,
        endMs: end,
        target: group === 'cap' ? 'cap' : 'curtail',
        ...(group === 'cap' ? { capKw: 3 } : {}),
        told: group !== 'control',
      },
    ]);
  }
  const truth = drGroundTruth(spec, windows, START + 3 * 86_400_000);
  const byIndex = (from: number, to: number) => truth.slice(from, to);

  it('told curtailed vehicles that do not opt out draw nothing in the window, and charge after it', () => {
    const held = byIndex(0, 20).filter((t) => t.optedOut === null);
    expect(held.length).toBeGreaterThan(12);
    for (const t of held) expect(t.windowWh).toBe(0);
    const shifted = held.reduce((s, t) => s + t.shiftedWh, 0);
    expect(shifted).toBeGreaterThan(5000);
    const rebound = held.reduce((s, t) => s + t.afterWh - t.afterWhWithout, 0);
    expect(rebound).toBeGreaterThan(0.3 * shifted);
    const shedKwPerTold = byIndex(0, 20).reduce((s, t) => s + t.shiftedWh, 0) / 20 / 3 / 1000;
    console.log(
      `true shed: ${shedKwPerTold.toFixed(2)} kW per told curtailed vehicle; opt-outs ${20 - held.length}/20`,
    );
  });

  it('capped vehicles stay under the cap in the window', () => {
    for (const t of byIndex(20, 30).filter((x) => x.optedOut === null)) expect(t.windowPeakW).toBeLessThanOrEqual(3000);
    expect(byIndex(20, 30).some((t) => t.windowPeakW > 0)).toBe(true);
  });

  it('leaves untold (control) vehicles exactly as in the run without the event', () => {
    for (const t of byIndex(30, 50)) {
      expect(t.optedOut).toBeNull();
      expect(t.windowWh).toBe(t.windowWhWithout);
      expect(t.afterWh).toBe(t.afterWhWithout);
    }
  });
});
