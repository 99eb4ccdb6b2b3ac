/**
 * The vehicle profiles, and choosing one: by catalog make, model and year (as the vehicle is
 * registered), by VIN (as the car reports it), or by id (`--profile`).
 */
import { findModel, findVariant } from '@smartcharge/catalog';
import { CHEVROLET_BOLT_SPARK } from './gm.js';
import { HYUNDAI_IONIQ_ELECTRIC_2017, HYUNDAI_KIA_64KWH, KIA_SOUL_EV_2015 } from './hyundai-kia.js';
import {
  NISSAN_LEAF_24KWH,
  NISSAN_LEAF_24KWH_US,
  NISSAN_LEAF_30KWH,
  NISSAN_LEAF_30KWH_US,
  NISSAN_LEAF_40KWH,
  NISSAN_LEAF_62KWH,
} from './nissan.js';
import type { TVehicleProfile } from './profile-schema.js';

export * from './profile-schema.js';
export * from './signal-codec.js';

export const PROFILES: readonly TVehicleProfile[] = [
  HYUNDAI_KIA_64KWH,
  HYUNDAI_IONIQ_ELECTRIC_2017,
  KIA_SOUL_EV_2015,
  CHEVROLET_BOLT_SPARK,
  NISSAN_LEAF_24KWH,
  NISSAN_LEAF_24KWH_US,
  NISSAN_LEAF_30KWH,
  NISSAN_LEAF_30KWH_US,
  NISSAN_LEAF_40KWH,
  NISSAN_LEAF_62KWH,
];

export function getProfile(id: string): TVehicleProfile {
  const profile = PROFILES.find((p) => p.id === id);
  if (!profile) {
    throw new Error(`No vehicle profile "${id}": choose one of ${PROFILES.map((p) => p.id).join(', ')}.`);
  }
  return profile;
}

/**
 * The profile for a catalog make, model and year ("Hyundai", "Kona Electric", 2020); undefined when
 * none reads it. Where a year offered several packs (the 2019 Leaf's 40 and 62 kWh) the variant
 * chooses: `variantName` or a spelling that names one ("Leaf Plus"), else the catalog's default.
 */
export function findProfile(
  make: string,
  model: string,
  year: number,
  variantName?: string,
): TVehicleProfile | undefined {
  const catalogModel = findModel(make, model);
  if (!catalogModel) return undefined;
  const variant = findVariant(make, model, year, variantName);
  const compact = (text: string) => text.toLowerCase().replace(/\s+/g, '');
  return PROFILES.find((p) =>
    p.models.some(
      (m) =>
        m.id === catalogModel.id &&
        year >= m.yearFrom &&
        year <= m.yearTo &&
        (m.variant === undefined || (variant !== undefined && compact(variant.name).includes(compact(m.variant)))),
    ),
  );
}

/** The profile whose VIN prefixes match (the longest matching prefix wins). */
export function findProfileByVin(vin: string): TVehicleProfile | undefined {
  let best: { profile: TVehicleProfile; length: number } | undefined;
  for (const profile of PROFILES) {
    for (const prefix of profile.vinPrefixes) {
      if (vin.toUpperCase().startsWith(prefix) && (!best || prefix.length > best.length)) {
        best = { profile, length: prefix.length };
      }
    }
  }
  return best?.profile;
}
