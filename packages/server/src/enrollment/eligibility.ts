/**
 * What an applicant is told before applying: whether their vehicle can take part in a program
 * (powertrain, supported-vehicle list, model years), whether the program takes applications today,
 * and whether their utility account number will do. Pure: the date and counts come in as arguments.
 *
 * Every reason is a sentence for the driver, so the application form can show it as it is.
 */
import { findModel, normalizeName, type CatalogModel, type Powertrain } from '@smartcharge/catalog';
import { AppError } from '../errors.js';
import type { TEligibility, TListedVehicle } from '../programs/program.schema.js';

export interface EligibilityTerms {
  programName: string;
  utility: string;
  eligibility: TEligibility;
  vehicleList: readonly TListedVehicle[];
  unlistedVehiclesMayApply: boolean;
  applicationsOpenOn?: string;
  applicationsCloseOn?: string;
  participantTarget?: number;
}

export interface ApplicantVehicle {
  make: string;
  model: string;
  modelYear: number;
}

export type EligibilityCheck = 'powertrain' | 'vehicle_list' | 'model_year';

export interface EligibilityReason {
  check: EligibilityCheck;
  ok: boolean;
  message: string;
}

export interface VehicleEligibility {
  eligible: boolean;
  /** eligible, but a person must confirm (unlisted vehicle where unlisted may apply, or a model the catalog does not know) */
  needsReview: boolean;
  catalogModelId: string | null;
  powertrain: Powertrain | null;
  /** The list entry the make and model matched; its model years may still exclude the vehicle (see reasons). */
  matched: TListedVehicle | null;
  /** One per check made, in the order powertrain, vehicle_list, model_year; model_year only when the list matched. */
  reasons: EligibilityReason[];
}

export type ProgramOpenness =
  { open: true } | { open: false; reason: 'not_yet_open' | 'closed' | 'full'; message: string };

const POWERTRAIN_NOUNS: Readonly<Record<'BEV' | 'PHEV', { one: string; many: string }>> = {
  BEV: { one: 'a battery-electric vehicle', many: 'battery-electric vehicles' },
  PHEV: { one: 'a plug-in hybrid', many: 'plug-in hybrids' },
};

function describeAccepted(powertrains: readonly ('BEV' | 'PHEV')[]): string {
  return powertrains.map((powertrain) => POWERTRAIN_NOUNS[powertrain].many).join(' and ');
}

function describeAcceptedOne(powertrains: readonly ('BEV' | 'PHEV')[]): string {
  return powertrains.map((powertrain) => POWERTRAIN_NOUNS[powertrain].one).join(' or ');
}

/** The catalog's name when it knows the car (so "Chevy Bolt" reads "Chevrolet Bolt EV"), else the applicant's. */
function nameVehicle(vehicle: ApplicantVehicle, model: CatalogModel | undefined): string {
  if (model !== undefined) return `${model.make} ${model.model}`;
  return `${vehicle.make.trim()} ${vehicle.model.trim()}`.replace(/\s+/g, ' ');
}

/**
 * Same catalog model when both resolve, else the same name ignoring case and punctuation: a list
 * may name a car the catalog does not know yet, and the applicant may spell it as the list does.
 */
function matchesEntry(entry: TListedVehicle, vehicle: ApplicantVehicle, model: CatalogModel | undefined): boolean {
  if (model !== undefined && findModel(entry.make, entry.model)?.id === model.id) return true;
  return (
    normalizeName(entry.make) === normalizeName(vehicle.make) &&
    normalizeName(entry.model) === normalizeName(vehicle.model)
  );
}

function coversYear(entry: TListedVehicle, year: number): boolean {
  return (
    (entry.yearFrom === undefined || year >= entry.yearFrom) && (entry.yearTo === undefined || year <= entry.yearTo)
  );
}

function describeYears(entry: TListedVehicle): string {
  const { yearFrom, yearTo } = entry;
  if (yearFrom !== undefined && yearTo !== undefined) {
    return yearFrom === yearTo ? `${yearFrom}` : `${yearFrom}–${yearTo}`;
  }
  if (yearFrom !== undefined) return `${yearFrom} and later`;
  if (yearTo !== undefined) return `up to ${yearTo}`;
  return 'any';
}

function checkPowertrain(terms: EligibilityTerms, name: string, model: CatalogModel | undefined): EligibilityReason {
  const accepted = terms.eligibility.powertrains;
  if (model === undefined) {
    return {
      check: 'powertrain',
      ok: true,
      message: `The ${name} is not in our vehicle catalog yet, so someone will confirm that it is ${describeAcceptedOne(accepted)} before you are enrolled.`,
    };
  }
  if (model.powertrain === 'FCEV') {
    // Seed lists include the Mirai because the device can read it; a charging program still cannot use it.
    return {
      check: 'powertrain',
      ok: false,
      message: `The ${name} is a hydrogen fuel-cell vehicle: it cannot plug in, so it cannot take part in ${terms.programName}.`,
    };
  }
  const kind = POWERTRAIN_NOUNS[model.powertrain].one;
  if (!accepted.includes(model.powertrain)) {
    return {
      check: 'powertrain',
      ok: false,
      message: `${terms.programName} is for ${describeAccepted(accepted)}; the ${name} is ${kind}, so it cannot take part.`,
    };
  }
  return {
    check: 'powertrain',
    ok: true,
    message: `The ${name} is ${kind}, which ${terms.programName} accepts.`,
  };
}

function checkList(
  terms: EligibilityTerms,
  name: string,
  candidates: readonly TListedVehicle[],
): { reason: EligibilityReason; unlisted: boolean } {
  if (terms.vehicleList.length === 0) {
    return {
      unlisted: false,
      reason: {
        check: 'vehicle_list',
        ok: true,
        message: `${terms.programName} does not limit which models may apply.`,
      },
    };
  }
  if (candidates.length > 0) {
    return {
      unlisted: false,
      reason: {
        check: 'vehicle_list',
        ok: true,
        message: `The ${name} is on the supported-vehicle list of ${terms.programName}.`,
      },
    };
  }
  if (terms.unlistedVehiclesMayApply) {
    return {
      unlisted: true,
      reason: {
        check: 'vehicle_list',
        ok: true,
        message: `The ${name} is not on the supported-vehicle list of ${terms.programName} yet, but other vehicles may apply: someone will confirm that the program can work with yours before you are enrolled.`,
      },
    };
  }
  return {
    unlisted: true,
    reason: {
      check: 'vehicle_list',
      ok: false,
      message: `The ${name} is not on the supported-vehicle list of ${terms.programName}; see that list for the models and model years that can take part.`,
    },
  };
}

function checkYear(name: string, year: number, candidates: readonly TListedVehicle[]): EligibilityReason {
  const ranges = [...new Set(candidates.map(describeYears))];
  if (candidates.some((entry) => coversYear(entry, year))) {
    const message = ranges.includes('any')
      ? `Any model year of the ${name} may apply.`
      : `The ${name} is supported for model years ${ranges.join(' and ')}, which includes ${year}.`;
    return { check: 'model_year', ok: true, message };
  }
  return {
    check: 'model_year',
    ok: false,
    message: `The ${name} is supported for model years ${ranges.join(' and ')}; a ${year} is not on the list.`,
  };
}

/**
 * Whether the applicant's vehicle can take part, and why, check by check. An empty supported-vehicle
 * list limits nothing (a program may take any car of an accepted powertrain); a car the catalog does
 * not know can still be eligible, but a person must confirm what it is.
 */
export function checkVehicle(terms: EligibilityTerms, vehicle: ApplicantVehicle): VehicleEligibility {
  const model = findModel(vehicle.make, vehicle.model);
  const name = nameVehicle(vehicle, model);
  const candidates = terms.vehicleList.filter((entry) => matchesEntry(entry, vehicle, model));
  const matched = candidates.find((entry) => coversYear(entry, vehicle.modelYear)) ?? candidates[0] ?? null;

  const list = checkList(terms, name, candidates);
  const reasons = [checkPowertrain(terms, name, model), list.reason];
  if (candidates.length > 0) reasons.push(checkYear(name, vehicle.modelYear, candidates));

  const eligible = reasons.every((reason) => reason.ok);
  return {
    eligible,
    needsReview: eligible && (model === undefined || list.unlisted),
    catalogModelId: model?.id ?? null,
    powertrain: model?.powertrain ?? null,
    matched,
    reasons,
  };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2020-09-01" → "September 1, 2020", without Intl so no time zone can shift the day. */
function formatDate(isoDate: string): string {
  const parts = ISO_DATE.exec(isoDate);
  const month = parts === null ? undefined : MONTHS[Number(parts[2]) - 1];
  if (parts === null || month === undefined) return isoDate;
  return `${month} ${Number(parts[3])}, ${parts[1]}`;
}

/**
 * Whether the program takes applications on `today` (the program's local date). The opening and
 * closing days both take applications; dates compare as text, which YYYY-MM-DD makes chronological.
 */
export function checkProgramOpen(
  terms: EligibilityTerms,
  today: string,
  approvedParticipants: number,
): ProgramOpenness {
  if (!ISO_DATE.test(today)) {
    throw new AppError('invalid_input', `today must be a date as YYYY-MM-DD, like 2020-09-01; got "${today}".`);
  }
  const { programName, applicationsOpenOn, applicationsCloseOn, participantTarget } = terms;
  if (applicationsOpenOn !== undefined && today < applicationsOpenOn) {
    return {
      open: false,
      reason: 'not_yet_open',
      message: `Applications for ${programName} open on ${formatDate(applicationsOpenOn)}.`,
    };
  }
  if (applicationsCloseOn !== undefined && today > applicationsCloseOn) {
    return {
      open: false,
      reason: 'closed',
      message: `Applications for ${programName} closed on ${formatDate(applicationsCloseOn)}.`,
    };
  }
  if (participantTarget !== undefined && approvedParticipants >= participantTarget) {
    return {
      open: false,
      reason: 'full',
      message: `${programName} has reached its target of ${participantTarget} participants and is not taking new applications.`,
    };
  }
  return { open: true };
}

/** Whether the account number will do: required for customers-only programs, in the utility's format if it has one. */
export function checkUtilityAccount(terms: EligibilityTerms, account: string): { ok: boolean; message: string } {
  const { utility, programName, eligibility } = terms;
  if (!eligibility.utilityCustomersOnly) {
    return { ok: true, message: `${programName} does not ask for a ${utility} account number.` };
  }
  const hint = eligibility.utilityAccountHint;
  const where = hint === undefined ? '' : ` (${hint})`;
  const trimmed = account.trim();
  if (trimmed === '') {
    return {
      ok: false,
      message: `${programName} is for ${utility} customers: enter your ${utility} account number${where}.`,
    };
  }
  const pattern = eligibility.utilityAccountPattern;
  if (pattern !== undefined && !new RegExp(pattern).test(trimmed)) {
    const advice = hint === undefined ? 'check it against your bill' : `it is ${hint}`;
    return {
      ok: false,
      message: `That does not look like a ${utility} account number: ${advice}.`,
    };
  }
  const message =
    pattern === undefined
      ? `${utility} will confirm your account number when your application is reviewed.`
      : `Your ${utility} account number looks right.`;
  return { ok: true, message };
}
