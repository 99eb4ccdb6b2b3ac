/**
 * @smartcharge/catalog — every vehicle model on the programs' supported lists, with the
 * specifications the simulator and the server (eligibility, battery-health reference) need.
 */
export * from './types.js';
export { CATALOG } from './models.js';
export {
  CHARGING_EFFICIENCY,
  dcPowerAtSoc,
  findModel,
  findVariant,
  findVariants,
  getModelById,
  getVariantCooling,
  getVariantHeatPump,
  listModels,
  normalizeName,
  ratedRangeKm,
  type ModelFilter,
} from './lookup.js';
