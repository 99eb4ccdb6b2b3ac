/** Programs context: a utility's program as data (what derivation needs of it, for now). */
export {
  ProgramService,
  programSettings,
  rewardRuleSentencesOf,
  toPublicProgram,
  toStaffProgram,
  ZCreateProgramSchema,
  type Program,
  type PublicProgram,
  type RewardRuleSentence,
  type StaffProgram,
  type TCreateProgram,
  type TUpdateProgram,
} from './program.service.js';
export {
  COUNTRIES,
  displayUnitsOf,
  homeAddressProblems,
  programCountryOf,
  regionCodeOf,
  type CountryRules,
} from './home-territory.js';
export { PRESET_IDS, PRESETS, type PresetId } from './presets.js';
export {
  compileRatePlan,
  ZRatePlanSchema,
  type Cost,
  type RatePeriod,
  type Rates,
  type TRatePlan,
  type TRatePlanInput,
} from './rate-plan.js';
export { ALL_HOURS, compileProgram, NO_PROGRAM, type ProgramRules, type ProgramSettings } from './program-rules.js';
export {
  ZProgramTermsSchema,
  ZTouSchema,
  type TEligibility,
  type TListedVehicle,
  type TPayoutOptions,
  type TProgramTerms,
  type TTerritory,
  type TTou,
} from './program.schema.js';
