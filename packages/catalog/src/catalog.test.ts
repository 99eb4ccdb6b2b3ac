/**
 * The catalog against the two seed pages' supported-vehicle lists, and the invariants every entry
 * must keep (years, slugs, sources, DC tapers, plug-in hybrid fields, plausible rated ranges).
 */
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  findModel,
  findVariant,
  findVariants,
  ratedRangeKm,
  type CatalogModel,
  type CatalogVariant,
} from './index.js';

/** Alectra's list, verbatim from seeds/000 (including its "2017 -2021" spacing). */
const ALECTRA_LIST = `
Audi A3 Electric (2016 – 2018)
BMW i3 (2014 – 2021)
Chevrolet Bolt EV (2017 – 2021)
Chevrolet Spark EV (2013 – 2015)
Fiat 500e (2013 – 2015)
Honda Fit EV (2013 – 2014)
Hyundai Ioniq Electric (2017 -2021)
Hyundai Kona (2019 – 2021)
Jaguar I-PACE (2019 – 2021)
Kia Niro BEV (2019 – 2021)
Kia Soul EV (2014 – 2021)
Mitsubishi i-MiEV (2012 – 2016)
Nissan Leaf (2011 – 2021)
Smart Electric Drive (2013 – 2019)
Tesla Model 3 (2018 – 2021)
Tesla Model S (2013 – 2021)
Tesla Model X (2016 – 2021)
Tesla Model Y (2020 – 2021)
Volkswagen e-golf (2015 – 2021)
`;

/** Mississippi Power's list, verbatim from seeds/001. */
const MISSISSIPPI_LIST = `
Audi A3 eTron
BMW X5 xDrive40e PHEV
Cadillac ELR
Chevrolet Bolt
Chevrolet Spark
Chevrolet Volt
Chrysler Pacifica PHEV
Citroen Berlingo BEV
Citroen C-Zero
Fiat 500e
Ford Cmax Energi
Ford Focus EV
Ford Fusion Energi
Honda Fit EV
Hyundai Sonata PHEV
Hyundai Ioniq BEV
Hyundai Ioniq PHEV
Kia Soul EV
Kia Niro PHEV
Kia Optima PHEV
Mercedes B-250e BEV
Mitsubishi i-MiEV
Mitsubishi Outlander PHEV
Nissan eNV200
Nissan Leaf Gen 1
Nissan Leaf Gen 2
Opel Ampera
Peugeot i-On
Renault Fluence EV
Renault Kangoo ZE
Renault Twizy
Renault Zoe ZE
Smart for-two ED
Tesla Model 3
Tesla Model S
Tesla Model X
Toyota Mirai
Toyota Prius Plug-In
Toyota Prius Prime
Volkswagen eGolf
Volkswagen Golf GTE
Volkswagen Passat GTE
`;

interface SeedEntry {
  readonly line: string;
  readonly make: string;
  readonly model: string;
  readonly yearFrom?: number;
  readonly yearTo?: number;
}

/** Every make on both lists is one word, so the first word is the make and the rest the model. */
function parseSeedList(text: string): SeedEntry[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^(\S+)\s+(.+?)(?:\s*\((\d{4})\s*[–-]\s*(\d{4})\))?$/.exec(line.trim());
      if (match === null) throw new Error(`unparsable seed line: ${line}`);
      const [, make, model, from, to] = match;
      return {
        line,
        make: make!,
        model: model!,
        ...(from === undefined ? {} : { yearFrom: Number(from), yearTo: Number(to) }),
      };
    });
}

const ALECTRA = parseSeedList(ALECTRA_LIST);
const MISSISSIPPI = parseSeedList(MISSISSIPPI_LIST);

const yearsOf = (variants: readonly CatalogVariant[]): Set<number> => {
  const years = new Set<number>();
  for (const variant of variants) for (let y = variant.yearFrom; y <= variant.yearTo; y++) years.add(y);
  return years;
};

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const allVariants = (): { model: CatalogModel; variant: CatalogVariant }[] =>
  CATALOG.flatMap((model) => model.variants.map((variant) => ({ model, variant })));

describe('seed lists', () => {
  it('parses both lists whole (19 Alectra entries with years, 42 Mississippi entries)', () => {
    expect(ALECTRA).toHaveLength(19);
    expect(ALECTRA.every((entry) => entry.yearFrom !== undefined)).toBe(true);
    expect(MISSISSIPPI).toHaveLength(42);
  });

  it.each(ALECTRA)('Alectra $line resolves, every listed year to a variant', (entry) => {
    const model = findModel(entry.make, entry.model);
    expect(model, entry.line).toBeDefined();
    expect(model!.listedBy).toContain('alectra');
    for (const year of range(entry.yearFrom!, entry.yearTo!)) {
      expect(findVariant(entry.make, entry.model, year), `${entry.line}: ${year}`).toBeDefined();
    }
  });

  it.each(ALECTRA)('Alectra $line: the variants cover exactly the listed years', (entry) => {
    const model = findModel(entry.make, entry.model)!;
    expect([...yearsOf(model.variants)].sort()).toEqual(range(entry.yearFrom!, entry.yearTo!));
  });

  it.each(MISSISSIPPI)('Mississippi $line resolves to a model it lists, with variants for its years', (entry) => {
    const model = findModel(entry.make, entry.model);
    expect(model, entry.line).toBeDefined();
    expect(model!.listedBy).toContain('mississippi');
    const resolving = range(2005, 2025).filter((year) => findVariant(entry.make, entry.model, year) !== undefined);
    expect(resolving.length, entry.line).toBeGreaterThan(0);
    expect(Math.max(...resolving)).toBeLessThanOrEqual(2021);
  });

  it('Mississippi\'s "Leaf Gen 1" and "Gen 2" are one model split at the 2018 redesign', () => {
    const gen1 = range(2005, 2025).filter((year) => findVariant('Nissan', 'Leaf Gen 1', year) !== undefined);
    const gen2 = range(2005, 2025).filter((year) => findVariant('Nissan', 'Leaf Gen 2', year) !== undefined);
    expect(gen1).toEqual(range(2011, 2017));
    expect(gen2).toEqual(range(2018, 2021));
    expect(findModel('Nissan', 'Leaf Gen 1')).toBe(findModel('Nissan', 'Leaf Gen 2'));
  });

  it('listedBy names exactly the lists that carry the model (19 models for Alectra, 41 for Mississippi)', () => {
    const alectra = new Set(ALECTRA.map((entry) => findModel(entry.make, entry.model)?.id));
    const mississippi = new Set(MISSISSIPPI.map((entry) => findModel(entry.make, entry.model)?.id));
    expect(alectra.size).toBe(19);
    expect(mississippi.size).toBe(41);
    for (const model of CATALOG) {
      expect(model.listedBy.includes('alectra'), model.id).toBe(alectra.has(model.id));
      expect(model.listedBy.includes('mississippi'), model.id).toBe(mississippi.has(model.id));
    }
    expect(CATALOG).toHaveLength(new Set([...alectra, ...mississippi]).size);
  });

  it('keeps the seed pairs the brief names as one model or as two', () => {
    const same = (a: [string, string], b: [string, string]) => expect(findModel(...a)).toBe(findModel(...b));
    same(['Chevrolet', 'Bolt EV'], ['Chevrolet', 'Bolt']);
    same(['Smart', 'Electric Drive'], ['Smart', 'for-two ED']);
    same(['Hyundai', 'Ioniq Electric'], ['Hyundai', 'Ioniq BEV']);
    same(['Volkswagen', 'e-golf'], ['Volkswagen', 'eGolf']);
    same(['Audi', 'A3 Electric'], ['Audi', 'A3 eTron']);
    const differ = (a: [string, string], b: [string, string]) => expect(findModel(...a)).not.toBe(findModel(...b));
    differ(['Kia', 'Niro BEV'], ['Kia', 'Niro PHEV']);
    differ(['Hyundai', 'Ioniq BEV'], ['Hyundai', 'Ioniq PHEV']);
    differ(['Volkswagen', 'eGolf'], ['Volkswagen', 'Golf GTE']);
  });
});

describe('catalog invariants', () => {
  it('has unique, well-formed slugs', () => {
    const ids = CATALOG.map((model) => model.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('gives every model at least one variant and every variant a non-empty source and name', () => {
    for (const model of CATALOG) expect(model.variants.length, model.id).toBeGreaterThan(0);
    for (const { model, variant } of allVariants()) {
      expect(variant.source.trim().length, `${model.id} ${variant.name}`).toBeGreaterThan(20);
      expect(variant.name.trim().length, model.id).toBeGreaterThan(0);
    }
  });

  it('keeps year ranges ordered and no later than 2021', () => {
    for (const { model, variant } of allVariants()) {
      expect(variant.yearFrom, `${model.id} ${variant.name}`).toBeLessThanOrEqual(variant.yearTo);
      expect(variant.yearFrom).toBeGreaterThanOrEqual(2010);
      expect(variant.yearTo).toBeLessThanOrEqual(2021);
    }
  });

  it('never overlaps years within a model, except for distinct batteries or chargers sold side by side', () => {
    for (const model of CATALOG) {
      model.variants.forEach((a, i) => {
        for (const b of model.variants.slice(i + 1)) {
          if (a.yearTo < b.yearFrom || b.yearTo < a.yearFrom) continue;
          const pair = `${model.id}: "${a.name}" and "${b.name}"`;
          expect(a.name, pair).not.toBe(b.name);
          const sameHardware =
            a.usableBatteryKwh === b.usableBatteryKwh && a.maxAcKw === b.maxAcKw && a.maxDcKw === b.maxDcKw;
          expect(sameHardware, pair).toBe(false);
        }
      });
    }
  });

  it('has no gap in the years of a model Alectra lists (a model year that resolves to nothing)', () => {
    for (const model of CATALOG.filter((m) => m.listedBy.includes('alectra'))) {
      const years = [...yearsOf(model.variants)].sort();
      expect(years, model.id).toEqual(range(years[0]!, years[years.length - 1]!));
    }
  });

  it('keeps figures in physical bounds', () => {
    for (const { model, variant } of allVariants()) {
      const label = `${model.id} ${variant.name}`;
      expect(variant.usableBatteryKwh, label).toBeGreaterThan(1);
      expect(variant.usableBatteryKwh, label).toBeLessThan(110);
      expect(variant.nominalPackVoltageV, label).toBeGreaterThanOrEqual(48);
      expect(variant.nominalPackVoltageV, label).toBeLessThanOrEqual(800);
      expect(variant.ratedWhPerKm, label).toBeGreaterThan(50);
      expect(variant.ratedWhPerKm, label).toBeLessThan(400);
      expect(variant.curbMassKg, label).toBeGreaterThan(400);
      expect(variant.curbMassKg, label).toBeLessThan(2600);
      expect(variant.maxAcKw, label).toBeGreaterThanOrEqual(0);
      expect(variant.maxAcKw, label).toBeLessThanOrEqual(43);
      if (variant.maxDcKw !== null) expect(variant.maxDcKw, label).toBeGreaterThan(0);
    }
  });

  it('draws DC tapers from 0 to 100 % in rising state of charge, fractions in [0, 1], never rising after the peak', () => {
    for (const { model, variant } of allVariants()) {
      const label = `${model.id} ${variant.name}`;
      const taper = variant.dcTaper;
      if (variant.maxDcKw === null) {
        expect(taper, label).toHaveLength(0);
        continue;
      }
      expect(taper.length, label).toBeGreaterThanOrEqual(2);
      expect(taper[0]!.socPct, label).toBe(0);
      expect(taper[taper.length - 1]!.socPct, label).toBe(100);
      for (const point of taper) {
        expect(point.fraction, label).toBeGreaterThanOrEqual(0);
        expect(point.fraction, label).toBeLessThanOrEqual(1);
      }
      for (let i = 1; i < taper.length; i++) expect(taper[i]!.socPct, label).toBeGreaterThan(taper[i - 1]!.socPct);
      const peak = Math.max(...taper.map((point) => point.fraction));
      expect(peak, `${label}: the peak is maxDcKw`).toBe(1);
      const afterPeak = taper.slice(taper.findIndex((point) => point.fraction === peak));
      for (let i = 1; i < afterPeak.length; i++) {
        expect(afterPeak[i]!.fraction, label).toBeLessThanOrEqual(afterPeak[i - 1]!.fraction);
      }
    }
  });

  it('gives plug-in hybrids an electric range and a depleted fuel use, and nothing else either', () => {
    for (const { model, variant } of allVariants()) {
      const label = `${model.id} ${variant.name}`;
      if (model.powertrain === 'PHEV') {
        expect(variant.electricRangeKm, label).toBeGreaterThan(10);
        expect(variant.electricRangeKm, label).toBeLessThan(120);
        expect(variant.fuelLPer100km, label).toBeGreaterThan(3);
        expect(variant.fuelLPer100km, label).toBeLessThan(12);
      } else {
        expect(variant.electricRangeKm, label).toBeUndefined();
        expect(variant.fuelLPer100km, label).toBeUndefined();
      }
    }
  });

  it('catalogues the fuel-cell Mirai with its traction battery but no plug charging, and says so', () => {
    const mirai = findModel('Toyota', 'Mirai')!;
    expect(mirai.powertrain).toBe('FCEV');
    expect(mirai.notes).toMatch(/no charge port/i);
    for (const variant of mirai.variants) {
      expect(variant.usableBatteryKwh).toBeLessThan(2);
      expect(variant.maxAcKw).toBe(0);
      expect(variant.maxDcKw).toBeNull();
      expect(ratedRangeKm(variant)).toBe(0);
    }
    expect(CATALOG.filter((model) => model.powertrain === 'FCEV').map((model) => model.id)).toEqual(['toyota-mirai']);
  });

  it('records the pack cooling that drives ageing: Leaf passive, first Soul EV air, its 2020 successor liquid', () => {
    expect(findModel('Nissan', 'Leaf')!.cooling).toBe('passive');
    expect(findModel('Hyundai', 'Ioniq Electric')!.cooling).toBe('air');
    const soul = findModel('Kia', 'Soul EV')!;
    expect(soul.cooling).toBe('air');
    expect(findVariants('Kia', 'Soul EV', 2020).every((variant) => variant.cooling === 'liquid')).toBe(true);
  });
});

describe('rated range from the battery', () => {
  // EPA ranges: 2020 Bolt 259 mi, 2019 Kona 258 mi, 2018 Leaf 151 mi, 2019 Model 3 SR+ 240 mi,
  // 2014 i3 81 mi, 2017 e-Golf 125 mi. ±15 % because the charging efficiency is one figure for all.
  it.each([
    { make: 'Chevrolet', model: 'Bolt EV', year: 2020, variant: undefined, epaKm: 417 },
    { make: 'Hyundai', model: 'Kona', year: 2019, variant: undefined, epaKm: 415 },
    { make: 'Nissan', model: 'Leaf', year: 2018, variant: '40 kWh', epaKm: 243 },
    { make: 'Tesla', model: 'Model 3', year: 2019, variant: 'Standard Range Plus', epaKm: 386 },
    { make: 'BMW', model: 'i3', year: 2014, variant: undefined, epaKm: 130 },
    { make: 'Volkswagen', model: 'e-Golf', year: 2017, variant: undefined, epaKm: 201 },
  ])('$make $model $year lands within 15 percent of the EPA $epaKm km', ({ make, model, year, variant, epaKm }) => {
    const found = findVariant(make, model, year, variant);
    expect(found).toBeDefined();
    const km = ratedRangeKm(found!);
    expect(km).toBeGreaterThan(epaKm * 0.85);
    expect(km).toBeLessThan(epaKm * 1.15);
  });

  it('comes within 25 % of the published electric range for every EPA-rated plug-in hybrid', () => {
    for (const { model, variant } of allVariants()) {
      if (model.powertrain !== 'PHEV' || !variant.source.startsWith('fueleconomy.gov')) continue;
      const ratio = ratedRangeKm(variant) / variant.electricRangeKm!;
      expect(ratio, `${model.id} ${variant.name}`).toBeGreaterThan(0.75);
      expect(ratio, `${model.id} ${variant.name}`).toBeLessThan(1.25);
    }
  });
});
