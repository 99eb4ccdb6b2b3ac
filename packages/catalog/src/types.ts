/**
 * The shape of a catalog entry. One entry per model generation whose specifications differ
 * (battery size, charger), with the model years it covers. Units are in the field names.
 */

export type Powertrain = 'BEV' | 'PHEV' | 'FCEV';

/** How the pack is kept at temperature: matters for ageing (Leaf's passive air cooling ages fastest). */
export type BatteryCooling = 'liquid' | 'air' | 'passive';

/** Which seed program lists the model as supported. */
export type SeedList = 'alectra' | 'mississippi';

export interface DcTaperPoint {
  /** State of charge, 0–100 %. */
  readonly socPct: number;
  /** Deliverable DC power at this state of charge, as a fraction (0–1) of the maximum. */
  readonly fraction: number;
}

export interface CatalogVariant {
  /** Model years this variant covers, inclusive. */
  readonly yearFrom: number;
  readonly yearTo: number;
  /** e.g. "60 kWh", "Long Range AWD", "SV Plus". */
  readonly name: string;
  readonly usableBatteryKwh: number;
  /** Nominal pack voltage (about 3.6–3.7 V per series cell). */
  readonly nominalPackVoltageV: number;
  /** Rated efficiency, wall to wheels: EPA combined (kWh/100 mi converted to Wh/km) where the car was sold in the US, else WLTP/NEDC as named in the source. */
  readonly ratedWhPerKm: number;
  /** Onboard charger limit for AC charging. */
  readonly maxAcKw: number;
  /** Peak DC fast-charging power; null when the car cannot DC fast charge. */
  readonly maxDcKw: number | null;
  /** DC power against state of charge, points in increasing socPct from 0 to 100; empty when no DC. */
  readonly dcTaper: readonly DcTaperPoint[];
  /** Curb mass. */
  readonly curbMassKg: number;
  /** Plug-in hybrids: electric range (EPA or WLTP as named); undefined for others. */
  readonly electricRangeKm?: number;
  /** Plug-in hybrids: fuel use once the battery is depleted, L/100 km. */
  readonly fuelLPer100km?: number;
  /** Where the figures come from (one named source: a URL or publication, with the year if useful). */
  readonly source: string;
  /** Set only when this generation's pack is cooled differently from the model's (Soul EV 2020 went liquid). */
  readonly cooling?: BatteryCooling;
  /** Set only when this generation differs from the model's heat-pump value (Leaf 2011–2012, Model 3 2021). */
  readonly heatPump?: boolean;
}

export interface CatalogModel {
  /** Stable slug, e.g. "chevrolet-bolt-ev". */
  readonly id: string;
  readonly make: string;
  readonly model: string;
  readonly powertrain: Powertrain;
  readonly cooling: BatteryCooling;
  /** A heat pump is standard or a commonly fitted option (the variants' sources say when it was optional). */
  readonly heatPump: boolean;
  /** Whether the car's BMS exposes a state-of-health value an OBD-II reader can get. */
  readonly reportsSoh: boolean;
  /** The seed pages that list it. */
  readonly listedBy: readonly SeedList[];
  readonly variants: readonly CatalogVariant[];
  /** What a reader of the figures must know about the model as a whole (no charge port, naming, year cut-offs). */
  readonly notes?: string;
}
