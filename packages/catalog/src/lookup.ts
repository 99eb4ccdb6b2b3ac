/**
 * Finding catalog entries from what a driver or a seed page calls their car, and the two derived
 * figures the simulator and the battery-health reference need: DC power at a state of charge and
 * the rated range from the battery.
 */
import { CATALOG } from './models.js';
import { MAKE_ALIASES, MODEL_ALIASES } from './model-aliases.js';
import type { BatteryCooling, CatalogModel, CatalogVariant, Powertrain, SeedList } from './types.js';

/**
 * Share of wall energy that reaches the battery when charging. EPA's kWh/100 mi (and the WLTP/NEDC
 * figures) are measured at the wall, so they include charger and battery losses; Level 2 charging
 * loses roughly 10–15 % (the VEIC/FleetCarma study of Volt charges; Level 1 a few points more).
 * 0.88 is the middle of that band, used for every car: ratedRangeKm is good to about ±10 %.
 */
export const CHARGING_EFFICIENCY = 0.88;

/** Case, spacing, punctuation and accents removed: "e-Golf", "eGolf" and "E GOLF" are all "egolf". */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Powertrain words a stem may be followed by ("Niro BEV", "Outlander PHEV", "Focus EV"). */
const POWERTRAIN_SUFFIXES: Readonly<Record<Powertrain, readonly string[]>> = {
  BEV: ['ev', 'bev', 'electric'],
  PHEV: ['phev', 'plugin', 'pluginhybrid'],
  FCEV: ['fcev', 'fuelcell'],
};

interface Target {
  readonly model: CatalogModel;
  readonly yearFrom?: number;
  readonly yearTo?: number;
  readonly variantName?: string;
}

/** Spelling key → target; null where two models claim the spelling (ambiguous: matches neither). */
type SpellingIndex = Map<string, Target | null>;

const spellingKey = (makeKey: string, modelKey: string): string => `${makeKey}/${modelKey}`;

function addSpelling(index: SpellingIndex, key: string, target: Target): void {
  const existing = index.get(key);
  if (existing === undefined) index.set(key, target);
  else if (existing !== null && existing.model.id !== target.model.id) index.set(key, null);
}

/**
 * Two tiers, so that a model's own spellings win over another model's stem-plus-suffix: "Prius
 * Plug-in" is the Prius Plug-in Hybrid's name, not the Prius Prime's stem "Prius" + "plug-in".
 */
function buildIndexes(catalog: readonly CatalogModel[]): { exact: SpellingIndex; suffixed: SpellingIndex } {
  const exact: SpellingIndex = new Map();
  const suffixed: SpellingIndex = new Map();
  for (const model of catalog) {
    const makeKey = normalizeName(model.make);
    const aliases = MODEL_ALIASES[model.id] ?? {};
    const stems = [model.model, ...(aliases.stems ?? [])].map(normalizeName);
    for (const stem of stems) {
      addSpelling(exact, spellingKey(makeKey, stem), { model });
      for (const suffix of POWERTRAIN_SUFFIXES[model.powertrain]) {
        addSpelling(suffixed, spellingKey(makeKey, stem + suffix), { model });
      }
    }
    for (const { spelling, ...restriction } of aliases.ranged ?? []) {
      addSpelling(exact, spellingKey(makeKey, normalizeName(spelling)), { model, ...restriction });
    }
  }
  return { exact, suffixed };
}

const INDEXES = buildIndexes(CATALOG);
const MODELS_BY_ID = new Map(CATALOG.map((model) => [model.id, model]));

function canonicalMakeKey(make: string): string {
  const key = normalizeName(make);
  const alias = MAKE_ALIASES[key];
  return alias === undefined ? key : normalizeName(alias);
}

/** Every spelling of the make ("volkswagen", "vw"), to strip a make repeated inside the model name. */
function makeSpellings(makeKey: string): string[] {
  const aliases = Object.entries(MAKE_ALIASES)
    .filter(([, make]) => normalizeName(make) === makeKey)
    .map(([alias]) => alias);
  return [makeKey, ...aliases];
}

function findTarget(make: string, model: string): Target | undefined {
  const makeKey = canonicalMakeKey(make);
  const modelKey = normalizeName(model);
  const candidates = [modelKey];
  for (const spelling of makeSpellings(makeKey)) {
    if (modelKey.startsWith(spelling) && modelKey.length > spelling.length) {
      candidates.push(modelKey.slice(spelling.length));
    }
  }
  for (const index of [INDEXES.exact, INDEXES.suffixed]) {
    for (const candidate of candidates) {
      const target = index.get(spellingKey(makeKey, candidate));
      if (target !== undefined) return target ?? undefined;
    }
  }
  return undefined;
}

/**
 * The catalog model a make and model name mean, tolerant of case, punctuation, accents and the seed
 * pages' spellings ("VW", "eGolf", "Bolt", "Leaf Gen 1"); undefined when unknown or ambiguous
 * ("Kia Niro" could be the EV or the plug-in hybrid).
 */
export function findModel(make: string, model: string): CatalogModel | undefined {
  return findTarget(make, model)?.model;
}

/**
 * Every variant of the model that covers the model year (several where a year offered more than one
 * battery, e.g. the 2019 Leaf's 40 and 62 kWh). Empty when the model or year is unknown.
 */
export function findVariants(make: string, model: string, year: number): readonly CatalogVariant[] {
  const target = findTarget(make, model);
  if (target === undefined) return [];
  if (target.yearFrom !== undefined && year < target.yearFrom) return [];
  if (target.yearTo !== undefined && year > target.yearTo) return [];
  const inYear = target.model.variants.filter((variant) => variant.yearFrom <= year && year <= variant.yearTo);
  const hint = target.variantName;
  return hint === undefined ? inYear : inYear.filter((variant) => variantNameMatches(variant, hint));
}

function variantNameMatches(variant: CatalogVariant, variantName: string): boolean {
  return normalizeName(variant.name).includes(normalizeName(variantName));
}

/**
 * The variant of the model for that model year. Where a year had several batteries, `variantName`
 * picks one by its name ("62 kWh", "Long Range", matched ignoring case and punctuation); without it,
 * or when it matches none, the base variant — the smallest battery — is returned, so a caller that
 * cannot tell never overstates capacity.
 */
export function findVariant(
  make: string,
  model: string,
  year: number,
  variantName?: string,
): CatalogVariant | undefined {
  const candidates = findVariants(make, model, year);
  const named =
    variantName === undefined ? [] : candidates.filter((variant) => variantNameMatches(variant, variantName));
  const pool = named.length > 0 ? named : candidates;
  return [...pool].sort((a, b) => a.usableBatteryKwh - b.usableBatteryKwh)[0];
}

/** The model with that id; throws when there is none (ids are slugs such as "chevrolet-bolt-ev"). */
export function getModelById(id: string): CatalogModel {
  const model = MODELS_BY_ID.get(id);
  if (model === undefined) {
    throw new Error(`No catalog model has the id "${id}": ids are slugs such as "chevrolet-bolt-ev" (see CATALOG).`);
  }
  return model;
}

export interface ModelFilter {
  readonly powertrain?: Powertrain;
  /** Models this seed program lists. */
  readonly listedBy?: SeedList;
}

/** Catalog models in make/model order, optionally only those of a powertrain or listed by a program. */
export function listModels(filter: ModelFilter = {}): readonly CatalogModel[] {
  const { powertrain, listedBy } = filter;
  return CATALOG.filter(
    (model) =>
      (powertrain === undefined || model.powertrain === powertrain) &&
      (listedBy === undefined || model.listedBy.includes(listedBy)),
  );
}

/** The variant's pack cooling: its own where its generation differs, else the model's. */
export function getVariantCooling(model: CatalogModel, variant: CatalogVariant): BatteryCooling {
  return variant.cooling ?? model.cooling;
}

/** Whether the variant has a heat pump: its own value where its generation differs, else the model's. */
export function getVariantHeatPump(model: CatalogModel, variant: CatalogVariant): boolean {
  return variant.heatPump ?? model.heatPump;
}

/**
 * DC power the car accepts at a state of charge, kW: the taper interpolated linearly between its
 * points, times the peak. State of charge is clamped to 0–100 %. 0 for a car without DC charging.
 */
export function dcPowerAtSoc(variant: CatalogVariant, socPct: number): number {
  const taper = variant.dcTaper;
  if (variant.maxDcKw === null || taper.length === 0) return 0;
  const soc = Math.min(100, Math.max(0, socPct));
  let lower = taper[0]!;
  for (const point of taper) {
    if (point.socPct === soc) return point.fraction * variant.maxDcKw;
    if (point.socPct > soc) {
      const span = point.socPct - lower.socPct;
      const fraction =
        span === 0
          ? point.fraction
          : lower.fraction + ((soc - lower.socPct) / span) * (point.fraction - lower.fraction);
      return fraction * variant.maxDcKw;
    }
    lower = point;
  }
  return lower.fraction * variant.maxDcKw;
}

/**
 * Rated range on a full usable battery, km: usable kWh ÷ (rated Wh/km × CHARGING_EFFICIENCY). The
 * rating is wall to wheels, so the battery-to-wheels consumption is the smaller product. For an EPA-
 * rated car this lands within about ±10 % of the EPA range; WLTP and NEDC ratings give longer ranges,
 * as those cycles do. For a plug-in hybrid it estimates the electric range (prefer the published
 * electricRangeKm). 0 for a car with no charge port (the fuel-cell Mirai): its battery is not charged
 * from the grid.
 */
export function ratedRangeKm(variant: CatalogVariant): number {
  if (variant.maxAcKw === 0 && variant.maxDcKw === null) return 0;
  return (variant.usableBatteryKwh * 1000) / (variant.ratedWhPerKm * CHARGING_EFFICIENCY);
}
