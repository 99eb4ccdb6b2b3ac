/**
 * Lookup by the names people and seed pages use, filtering, and the two derived figures
 * (DC power at a state of charge, rated range).
 */
import { describe, expect, it } from 'vitest';
import {
  CHARGING_EFFICIENCY,
  dcPowerAtSoc,
  findModel,
  findVariant,
  findVariants,
  getModelById,
  getVariantCooling,
  getVariantHeatPump,
  listModels,
  ratedRangeKm,
  type CatalogVariant,
} from './index.js';

/** A variant with plain round figures; override what the test is about. */
function aVariant(overrides: Partial<CatalogVariant> = {}): CatalogVariant {
  return {
    yearFrom: 2020,
    yearTo: 2020,
    name: 'test',
    usableBatteryKwh: 50,
    nominalPackVoltageV: 350,
    ratedWhPerKm: 160,
    maxAcKw: 7,
    maxDcKw: 100,
    dcTaper: [
      { socPct: 0, fraction: 0.5 },
      { socPct: 50, fraction: 1 },
      { socPct: 100, fraction: 0 },
    ],
    curbMassKg: 1500,
    source: 'test builder',
    ...overrides,
  };
}

describe('findModel', () => {
  it.each([
    ['Volkswagen', 'e-golf'],
    ['Volkswagen', 'eGolf'],
    ['Volkswagen', 'E-GOLF'],
    ['Volkswagen', 'Volkswagen e-Golf'],
    ['VW', 'e-Golf'],
    ['vw', 'VW eGolf'],
    ['volkswagen', 'Golf Electric'],
  ])('tolerates spelling: %s %s is the e-Golf', (make, model) => {
    expect(findModel(make, model)?.id).toBe('volkswagen-e-golf');
  });

  it.each([
    ['Chevrolet', 'Bolt', 'chevrolet-bolt-ev'],
    ['Chevy', 'Bolt EV', 'chevrolet-bolt-ev'],
    ['Nissan', 'Leaf', 'nissan-leaf'],
    ['NISSAN', 'LEAF', 'nissan-leaf'],
    ['Citroën', 'C-Zero', 'citroen-c-zero'],
    ['Renault', 'Zoé', 'renault-zoe'],
    ['Mercedes', 'B-Class Electric Drive', 'mercedes-benz-b250e'],
    ['Kia', 'e-Niro', 'kia-niro-ev'],
    ['Kia', 'Niro EV', 'kia-niro-ev'],
    ['Kia', 'Niro Plug-in Hybrid', 'kia-niro-plug-in-hybrid'],
    ['Toyota', 'Prius Plug-in', 'toyota-prius-plug-in'],
    ['Toyota', 'Prius Prime', 'toyota-prius-prime'],
    ['Vauxhall', 'Ampera', 'opel-ampera'],
  ])('%s %s is %s', (make, model, id) => {
    expect(findModel(make, model)?.id).toBe(id);
  });

  it.each([
    ['Kia', 'Niro'],
    ['Hyundai', 'Ioniq'],
    ['Volkswagen', 'Golf'],
    ['Toyota', 'Prius'],
  ])('leaves a name two models share unresolved: %s %s', (make, model) => {
    expect(findModel(make, model)).toBeUndefined();
  });

  it('returns undefined for a model it does not know, or under the wrong make', () => {
    expect(findModel('Chevrolet', 'Cruze')).toBeUndefined();
    expect(findModel('Ford', 'Leaf')).toBeUndefined();
    expect(findModel('', '')).toBeUndefined();
  });
});

describe('findVariant', () => {
  it('picks the generation by model year', () => {
    expect(findVariant('Chevrolet', 'Bolt', 2019)?.name).toBe('60 kWh');
    expect(findVariant('Chevrolet', 'Bolt', 2020)?.name).toBe('66 kWh');
  });

  it('is undefined outside the years the catalog covers', () => {
    expect(findVariant('Chevrolet', 'Bolt EV', 2016)).toBeUndefined();
    expect(findVariant('Chevrolet', 'Bolt EV', 2022)).toBeUndefined();
    expect(findVariant('Nissan', 'Leaf Gen 2', 2014)).toBeUndefined();
    expect(findVariant('Chevrolet', 'Cruze', 2018)).toBeUndefined();
  });

  it('returns the smallest battery of a year that had several, unless a variant name picks another', () => {
    expect(findVariants('Nissan', 'Leaf', 2019).map((variant) => variant.name)).toEqual([
      '40 kWh',
      '62 kWh (e+ / Plus)',
    ]);
    expect(findVariant('Nissan', 'Leaf', 2019)?.usableBatteryKwh).toBe(39);
    expect(findVariant('Nissan', 'Leaf', 2019, '62 kWh')?.usableBatteryKwh).toBe(59);
    expect(findVariant('Tesla', 'Model 3', 2019, 'long range')?.name).toBe('Long Range');
    expect(findVariant('Nissan', 'Leaf', 2019, 'no such battery')?.usableBatteryKwh).toBe(39);
  });

  it('lets a spelling that names a variant ("Leaf Plus") choose it', () => {
    expect(findVariant('Nissan', 'Leaf Plus', 2020)?.name).toBe('62 kWh (e+ / Plus)');
    expect(findVariant('Nissan', 'Leaf Plus', 2018)).toBeUndefined();
  });
});

describe('getModelById and listModels', () => {
  it('gets a model by its slug and throws, naming the id, when there is none', () => {
    expect(getModelById('tesla-model-y').model).toBe('Model Y');
    expect(() => getModelById('tesla-cybertruck')).toThrow(/tesla-cybertruck/);
  });

  it('filters by powertrain and by the program that lists the model', () => {
    const phevs = listModels({ powertrain: 'PHEV' });
    expect(phevs.length).toBeGreaterThan(0);
    expect(phevs.every((model) => model.powertrain === 'PHEV')).toBe(true);
    expect(listModels({ listedBy: 'alectra' })).toHaveLength(19);
    expect(listModels({ listedBy: 'mississippi' })).toHaveLength(41);
    // Alectra's program is for battery-electric cars, but its list includes the A3 e-tron PHEV.
    expect(listModels({ listedBy: 'alectra', powertrain: 'PHEV' }).map((model) => model.id)).toEqual([
      'audi-a3-sportback-e-tron',
    ]);
    expect(listModels()).toHaveLength(listModels({ powertrain: 'BEV' }).length + phevs.length + 1);
  });
});

describe('generation overrides', () => {
  it("uses a variant's cooling or heat pump where its generation differs, else the model's", () => {
    const soul = findModel('Kia', 'Soul EV')!;
    expect(getVariantCooling(soul, findVariant('Kia', 'Soul EV', 2016)!)).toBe('air');
    expect(getVariantCooling(soul, findVariant('Kia', 'Soul EV', 2021)!)).toBe('liquid');
    const leaf = findModel('Nissan', 'Leaf')!;
    expect(getVariantHeatPump(leaf, findVariant('Nissan', 'Leaf', 2012)!)).toBe(false);
    expect(getVariantHeatPump(leaf, findVariant('Nissan', 'Leaf', 2014)!)).toBe(true);
  });
});

describe('dcPowerAtSoc', () => {
  const variant = aVariant();

  it('returns the taper point times the peak at a point', () => {
    expect(dcPowerAtSoc(variant, 0)).toBe(50);
    expect(dcPowerAtSoc(variant, 50)).toBe(100);
    expect(dcPowerAtSoc(variant, 100)).toBe(0);
  });

  it('interpolates linearly between points', () => {
    expect(dcPowerAtSoc(variant, 25)).toBeCloseTo(75);
    expect(dcPowerAtSoc(variant, 75)).toBeCloseTo(50);
    expect(dcPowerAtSoc(variant, 90)).toBeCloseTo(20);
  });

  it('clamps state of charge to 0–100 %', () => {
    expect(dcPowerAtSoc(variant, -10)).toBe(50);
    expect(dcPowerAtSoc(variant, 120)).toBe(0);
  });

  it('is 0 for a car without DC charging', () => {
    expect(dcPowerAtSoc(aVariant({ maxDcKw: null, dcTaper: [] }), 30)).toBe(0);
    expect(dcPowerAtSoc(findVariant('Fiat', '500e', 2014)!, 30)).toBe(0);
  });

  it('follows a real curve: the 2020 Bolt holds 55 kW to half charge, then steps down', () => {
    const bolt = findVariant('Chevrolet', 'Bolt EV', 2020)!;
    expect(dcPowerAtSoc(bolt, 30)).toBe(55);
    expect(dcPowerAtSoc(bolt, 60)).toBeLessThan(45);
    expect(dcPowerAtSoc(bolt, 90)).toBeLessThan(20);
  });
});

describe('ratedRangeKm', () => {
  it('divides usable energy by the wall-to-wheels rating times the charging efficiency', () => {
    expect(ratedRangeKm(aVariant())).toBeCloseTo(50_000 / (160 * CHARGING_EFFICIENCY));
    expect(CHARGING_EFFICIENCY).toBe(0.88);
  });

  it('is 0 for a car with no charge port', () => {
    expect(ratedRangeKm(aVariant({ maxAcKw: 0, maxDcKw: null, dcTaper: [] }))).toBe(0);
  });
});
