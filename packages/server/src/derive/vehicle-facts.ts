/** What derivation knows of a vehicle, from the catalog entry it matched (if any). */
import { CATALOG, type CatalogModel, type CatalogVariant } from '@smartcharge/catalog';
import type { VehicleFacts } from './engine.js';

export const UNKNOWN_VEHICLE: VehicleFacts = {
  powertrain: undefined,
  newCapacityWh: undefined,
  nominalVoltageV: undefined,
  fuelLPer100km: undefined,
};

export function factsOf(model: CatalogModel, variant: CatalogVariant): VehicleFacts {
  return {
    powertrain: model.powertrain,
    newCapacityWh: variant.usableBatteryKwh * 1000,
    nominalVoltageV: variant.nominalPackVoltageV,
    fuelLPer100km: variant.fuelLPer100km,
  };
}

/** Facts of a catalog model id and variant name, as stored on a vehicle; unknown ones give UNKNOWN_VEHICLE. */
export function factsOfCatalog(modelId: string | null, variantName: string | null): VehicleFacts {
  const model = CATALOG.find((m) => m.id === modelId);
  const variant = model?.variants.find((v) => v.name === variantName);
  if (!model) return UNKNOWN_VEHICLE;
  if (!variant) return { ...UNKNOWN_VEHICLE, powertrain: model.powertrain };
  return factsOf(model, variant);
}
