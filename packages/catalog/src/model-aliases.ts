/**
 * The other spellings a model goes by: the seed pages' ("Cmax Energi", "for-two ED", "B-250e BEV"),
 * earlier names (B-Class Electric Drive) and everyday short forms ("Bolt", "Kona"). Matching ignores
 * case, spaces, punctuation and accents, and also accepts a stem followed by a powertrain word
 * ("Niro" + "BEV", "Outlander" + "PHEV"); see lookup.ts. A short form shared by two catalogued
 * models ("Niro", "Ioniq", "Golf") is ambiguous and matches neither.
 */

/** A spelling that names only some of a model's years, or one of its variants. */
export interface RangedAlias {
  readonly spelling: string;
  readonly yearFrom?: number;
  readonly yearTo?: number;
  /** The variant the spelling names, matched as in findVariant's variantName. */
  readonly variantName?: string;
}

export interface ModelAliases {
  /** Spellings that name the whole model; the catalog's own model name is always one. */
  readonly stems?: readonly string[];
  readonly ranged?: readonly RangedAlias[];
}

/** Make spellings, normalized (see lookup.ts), to the catalog make they mean. */
export const MAKE_ALIASES: Readonly<Record<string, string>> = {
  vw: 'Volkswagen',
  chevy: 'Chevrolet',
  mercedes: 'Mercedes-Benz',
  mercedesbenz: 'Mercedes-Benz',
  // The Opel Ampera was sold in the UK as the Vauxhall Ampera.
  vauxhall: 'Opel',
};

/** Keyed by catalog model id. */
export const MODEL_ALIASES: Readonly<Record<string, ModelAliases>> = {
  'audi-a3-sportback-e-tron': { stems: ['A3', 'A3 e-tron', 'A3 Electric'] },
  'bmw-i3': { stems: ['i3s', 'i3 REx', 'i3 Range Extender'] },
  'bmw-x5-xdrive40e': { stems: ['X5', 'X5 40e', 'X5 eDrive'] },
  'chevrolet-bolt-ev': { stems: ['Bolt'] },
  'chevrolet-spark-ev': { stems: ['Spark'] },
  'chrysler-pacifica-hybrid': { stems: ['Pacifica', 'Pacifica Plug-in Hybrid'] },
  'citroen-berlingo-electric': { stems: ['Berlingo', 'Berlingo Electrique'] },
  'fiat-500e': { stems: ['500', '500 Electric'] },
  'ford-c-max-energi': { stems: ['C-Max'] },
  'ford-focus-electric': { stems: ['Focus'] },
  'ford-fusion-energi': { stems: ['Fusion'] },
  'honda-fit-ev': { stems: ['Fit'] },
  'hyundai-ioniq-electric': { stems: ['Ioniq'] },
  'hyundai-ioniq-plug-in-hybrid': { stems: ['Ioniq', 'Ioniq Plug-in'] },
  'hyundai-kona-electric': { stems: ['Kona'] },
  'hyundai-sonata-plug-in-hybrid': { stems: ['Sonata', 'Sonata Plug-in'] },
  'kia-niro-ev': { stems: ['Niro', 'e-Niro'] },
  'kia-niro-plug-in-hybrid': { stems: ['Niro', 'Niro Plug-in'] },
  'kia-optima-plug-in-hybrid': { stems: ['Optima', 'Optima Plug-in'] },
  'kia-soul-ev': { stems: ['Soul', 'e-Soul'] },
  'mercedes-benz-b250e': { stems: ['B-Class Electric Drive', 'B-Class ED', 'B-Class Electric', 'B250'] },
  'mitsubishi-outlander-phev': { stems: ['Outlander'] },
  'nissan-leaf': {
    ranged: [
      { spelling: 'Leaf Gen 1', yearFrom: 2011, yearTo: 2017 },
      { spelling: 'Leaf Gen 2', yearFrom: 2018, yearTo: 2021 },
      { spelling: 'Leaf Plus', yearFrom: 2019, yearTo: 2021, variantName: '62 kWh' },
      { spelling: 'Leaf e+', yearFrom: 2019, yearTo: 2021, variantName: '62 kWh' },
    ],
  },
  'renault-fluence-ze': { stems: ['Fluence'] },
  'renault-kangoo-ze': { stems: ['Kangoo', 'Kangoo Maxi Z.E.'] },
  'renault-zoe': { stems: ['Zoe Z.E.'] },
  'smart-fortwo-electric-drive': {
    stems: ['Electric Drive', 'fortwo', 'for-two ED', 'fortwo ED', 'ED', 'EQ fortwo', 'fortwo EQ'],
  },
  'toyota-prius-plug-in': { stems: ['Prius Plug-in', 'Prius PHV'] },
  'volkswagen-e-golf': { stems: ['Golf', 'Golf Electric'] },
  'volkswagen-golf-gte': { stems: ['Golf'] },
  'volkswagen-passat-gte': { stems: ['Passat'] },
};
