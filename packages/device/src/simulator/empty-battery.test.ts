/**
 * No simulated car drives on an empty battery, whatever the seed, program, car and driver: the
 * personas are ones the car can live with (a car that cannot fast charge gets a home charger), an
 * empty pack delivers nothing, and a car that runs out stops where it is (and is towed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getModelById } from '@smartcharge/catalog';
import { buildFleet, FleetRunner, PROGRAM_IDS } from './fleet.js';
import type { SessionTruth } from './frame.js';

const DAY = 86_400_000;

describe('driving on an empty battery', () => {
  it('never happens: once a battery EV is at 0 % it covers no distance until charged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(...PROGRAM_IDS),
        fc.record({
          dcHeavy: fc.option(fc.boolean(), { nil: undefined }),
          homeCharging: fc.option(fc.constantFrom('L2' as const, 'L1' as const, 'none' as const), { nil: undefined }),
        }),
        // Half the runs in the smart fortwo electric drive, which has no DC fast charging.
        fc.boolean(),
        fc.integer({ min: 0, max: 330 }),
        (seed, program, persona, fortwo, startDay) => {
          const startMs = Date.UTC(2025, 0, 1) + startDay * DAY;
          const fleet = buildFleet({
            program,
            vehicles: 3,
            seed,
            startMs,
            powertrains: ['BEV'],
            personas: [
              {
                ...(persona.dcHeavy === undefined ? {} : { dcHeavy: persona.dcHeavy }),
                ...(persona.homeCharging === undefined ? {} : { homeCharging: persona.homeCharging }),
              },
            ],
            // Mississippi lists the fortwo; the other programs keep their lists (one has every model).
            ...(fortwo && program !== 'snohomish-pud' ? { models: ['smart-fortwo-electric-drive'] } : {}),
          });
          for (const v of fleet) {
            // The persona fits the car: no fast-charging driver in a car without DC, always a way to charge.
            if (v.spec.variant.maxDcKw === null) {
              expect(v.spec.persona.dcHeavy).toBe(false);
              expect(v.spec.persona.homeCharging).not.toBe('none');
            }
          }
          const emptyAt = new Map<string, number>();
          const sessions: SessionTruth[] = [];
          // Checked with plain comparisons (an expect per reading would take minutes): the first problem is kept.
          let problem: string | undefined;
          const runner = new FleetRunner(fleet, {
            truth: (event) => {
              if (event.type === 'session') sessions.push(event);
            },
            reading: (vehicle, frame) => {
              if (problem) return;
              const serial = vehicle.spec.serial;
              if (!(frame.socPct >= 0)) problem = `${serial}: state of charge ${frame.socPct} %`;
              const odometerWhenEmpty = emptyAt.get(serial);
              if (odometerWhenEmpty !== undefined) {
                if (frame.socPct > 0) emptyAt.delete(serial);
                else if (frame.odometerM !== odometerWhenEmpty) {
                  problem = `${serial} drove ${frame.odometerM - odometerWhenEmpty} m on an empty battery`;
                }
              } else if (frame.socPct <= 0) {
                emptyAt.set(serial, frame.odometerM);
              }
            },
          });
          runner.advance(startMs + 8 * DAY);
          expect(problem).toBeUndefined();
          // Every public fast-charging session charged something.
          for (const s of sessions) {
            if (s.level === 'DCFC' && s.unpluggedMs - s.pluggedMs > 60_000) {
              expect(s.inletEnergyWh, `${s.serial} at a fast charger`).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 15, seed: 16 },
    );
  }, 120_000);

  it('the smart fortwo electric drive, the car that showed the bug, cannot fast charge', () => {
    const fortwo = getModelById('smart-fortwo-electric-drive');
    expect(fortwo.variants.every((v) => v.maxDcKw === null)).toBe(true);
  });
});
