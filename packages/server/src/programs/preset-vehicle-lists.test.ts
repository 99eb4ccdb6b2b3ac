/**
 * The seed programs' supported-vehicle lists: complete, valid as program terms, and every entry
 * known to the catalog, so eligibility can match applicants by catalog identity.
 */
import { findModel, listModels, type SeedList } from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import { ALECTRA_VEHICLES, MISSISSIPPI_VEHICLES } from './preset-vehicle-lists.js';
import { ZListedVehicleSchema, type TListedVehicle } from './program.schema.js';

const LISTS: readonly [SeedList, readonly TListedVehicle[]][] = [
  ['alectra', ALECTRA_VEHICLES],
  ['mississippi', MISSISSIPPI_VEHICLES],
];

const label = (vehicle: TListedVehicle) => `${vehicle.make} ${vehicle.model}`;

describe('seed supported-vehicle lists', () => {
  it('hold every name the seed pages print: 19 for Alectra, 42 for Mississippi', () => {
    expect(ALECTRA_VEHICLES).toHaveLength(19);
    expect(MISSISSIPPI_VEHICLES).toHaveLength(42);
  });

  it('give Alectra entries model-year ranges and Mississippi entries none, as the pages do', () => {
    for (const vehicle of ALECTRA_VEHICLES) {
      expect(vehicle.yearFrom, label(vehicle)).toBeTypeOf('number');
      expect(vehicle.yearTo, label(vehicle)).toBeTypeOf('number');
    }
    for (const vehicle of MISSISSIPPI_VEHICLES) {
      expect(vehicle.yearFrom, label(vehicle)).toBeUndefined();
      expect(vehicle.yearTo, label(vehicle)).toBeUndefined();
    }
  });

  it.each(LISTS)('parse as program terms (%s)', (_, vehicles) => {
    for (const vehicle of vehicles) {
      expect(ZListedVehicleSchema.safeParse(vehicle).success, label(vehicle)).toBe(true);
    }
  });

  it.each(LISTS)('name no vehicle twice (%s)', (_, vehicles) => {
    const names = vehicles.map((vehicle) => label(vehicle).toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(LISTS)('resolve every entry to a catalog model that the catalog says %s lists', (seed, vehicles) => {
    for (const vehicle of vehicles) {
      const model = findModel(vehicle.make, vehicle.model);
      expect(model, `${label(vehicle)} is not in the catalog`).toBeDefined();
      expect(model?.listedBy, label(vehicle)).toContain(seed);
    }
  });

  it.each(LISTS)('cover every catalog model the catalog says %s lists', (seed, vehicles) => {
    const resolved = new Set(vehicles.map((vehicle) => findModel(vehicle.make, vehicle.model)?.id));
    const missing = listModels({ listedBy: seed }).filter((model) => !resolved.has(model.id));
    expect(missing.map((model) => model.id)).toEqual([]);
  });

  it("agree with the catalog's years for Alectra's models (the catalog covers exactly Alectra's ranges)", () => {
    for (const vehicle of ALECTRA_VEHICLES) {
      const variants = findModel(vehicle.make, vehicle.model)?.variants ?? [];
      expect(
        {
          yearFrom: Math.min(...variants.map((variant) => variant.yearFrom)),
          yearTo: Math.max(...variants.map((variant) => variant.yearTo)),
        },
        label(vehicle),
      ).toEqual({ yearFrom: vehicle.yearFrom, yearTo: vehicle.yearTo });
    }
  });
});
