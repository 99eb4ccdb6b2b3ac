/**
 * The vehicle catalog: every model on the seed programs' supported-vehicle lists (Alectra's, with
 * model years, and Mississippi Power's, without), one entry per model and one variant per battery or
 * charger generation, each with its source. The data lives in `models/`, one file per manufacturer
 * group; this module joins it in make/model order.
 *
 * Year coverage: for models Alectra lists, the variants cover exactly Alectra's range; for models only
 * Mississippi lists, the years the model was sold (North American years where it was sold there),
 * ending no later than 2021.
 */
import type { CatalogModel } from './types.js';
import { BMW_DAIMLER_JAGUAR_MODELS } from './models/bmw-daimler-jaguar.js';
import { FORD_FCA_MODELS } from './models/ford-fca.js';
import { GM_MODELS } from './models/gm.js';
import { HONDA_TOYOTA_MODELS } from './models/honda-toyota.js';
import { HYUNDAI_KIA_MODELS } from './models/hyundai-kia.js';
import { RENAULT_NISSAN_MITSUBISHI_MODELS } from './models/renault-nissan-mitsubishi.js';
import { TESLA_MODELS } from './models/tesla.js';
import { VOLKSWAGEN_GROUP_MODELS } from './models/volkswagen-group.js';

const byMakeThenModel = (a: CatalogModel, b: CatalogModel): number =>
  a.make.localeCompare(b.make, 'en', { sensitivity: 'base' }) ||
  a.model.localeCompare(b.model, 'en', { sensitivity: 'base' });

export const CATALOG: readonly CatalogModel[] = [
  ...BMW_DAIMLER_JAGUAR_MODELS,
  ...FORD_FCA_MODELS,
  ...GM_MODELS,
  ...HONDA_TOYOTA_MODELS,
  ...HYUNDAI_KIA_MODELS,
  ...RENAULT_NISSAN_MITSUBISHI_MODELS,
  ...TESLA_MODELS,
  ...VOLKSWAGEN_GROUP_MODELS,
].sort(byMakeThenModel);
