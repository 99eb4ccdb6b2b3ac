import {
  CATALOG,
  findVariant,
  getModelById,
  getVariantHeatPump,
  type CatalogModel,
  type CatalogVariant,
} from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import {
  CHARGING_EFFICIENCY,
  OPTIMUM_RANGE_SHARE,
  OPTIMUM_TEMP_C,
  referenceConsumption,
  roadLoadFactor,
  targetWhPerKm,
} from './calibration.js';
import { VehiclePhysics } from './vehicle-physics.js';

interface Car {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
}

function car(id: string, make: string, name: string, year: number, variantName?: string): Car {
  return { model: getModelById(id), variant: findVariant(make, name, year, variantName)! };
}

/** Real cars of every powertrain, size, cooling and heating kind. */
const CARS: readonly Car[] = [
  car('chevrolet-bolt-ev', 'Chevrolet', 'Bolt EV', 2017),
  car('tesla-model-3', 'Tesla', 'Model 3', 2019, 'Long Range'),
  car('tesla-model-x', 'Tesla', 'Model X', 2018),
  car('nissan-leaf', 'Nissan', 'Leaf', 2012),
  car('nissan-leaf', 'Nissan', 'Leaf', 2019, '62 kWh'),
  car('hyundai-kona-electric', 'Hyundai', 'Kona Electric', 2020),
  car('bmw-i3', 'BMW', 'i3', 2017),
  car('toyota-prius-prime', 'Toyota', 'Prius Prime', 2019),
  car('chevrolet-volt', 'Chevrolet', 'Volt', 2017),
];

/** Battery-side Wh/km on the reference mix at `ambientC`, with the car's calibrated road load. */
function calibratedConsumption({ model, variant }: Car, ambientC = OPTIMUM_TEMP_C): number {
  const physics = new VehiclePhysics(model, variant);
  physics.roadLoadFactor = roadLoadFactor(model, variant);
  return referenceConsumption(physics, getVariantHeatPump(model, variant), ambientC);
}

describe('targetWhPerKm', () => {
  it('is the rated (wall-side) figure made battery-side and scaled to the range reached at the optimum', () => {
    const { variant } = CARS[0]!;
    expect(targetWhPerKm(variant)).toBeCloseTo((variant.ratedWhPerKm * CHARGING_EFFICIENCY) / OPTIMUM_RANGE_SHARE, 9);
    expect(targetWhPerKm(variant)).toBeLessThan(variant.ratedWhPerKm);
  });
});

describe('roadLoadFactor', () => {
  it('found the cars under test in the catalog', () => {
    for (const { model, variant } of CARS) expect(variant, model.id).toBeDefined();
  });

  it('makes real cars use their target at 21.5 °C on the reference mix, within 1 %', () => {
    for (const c of CARS) {
      const target = targetWhPerKm(c.variant);
      expect(Math.abs(calibratedConsumption(c) / target - 1), `${c.model.id} ${c.variant.name}`).toBeLessThan(0.01);
    }
  });

  it('calibrates every variant in the catalog within 1 %', () => {
    for (const model of CATALOG) {
      for (const variant of model.variants) {
        const target = targetWhPerKm(variant);
        const error = Math.abs(calibratedConsumption({ model, variant }) / target - 1);
        expect(error, `${model.id} ${variant.name}`).toBeLessThan(0.01);
      }
    }
  });

  it('gives the same factor each time for a variant', () => {
    const { model, variant } = CARS[1]!;
    expect(roadLoadFactor(model, variant)).toBe(roadLoadFactor(model, variant));
  });

  it('leaves 21.5 °C the most efficient temperature, costing far more in the cold', () => {
    for (const c of CARS) {
      const optimum = calibratedConsumption(c);
      const label = `${c.model.id} ${c.variant.name}`;
      expect(calibratedConsumption(c, 10), label).toBeGreaterThan(optimum);
      expect(calibratedConsumption(c, 32), label).toBeGreaterThan(optimum);
      expect(calibratedConsumption(c, -10), label).toBeGreaterThan(1.25 * optimum);
    }
  });
});
