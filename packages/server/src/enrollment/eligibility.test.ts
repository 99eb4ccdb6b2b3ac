/**
 * The eligibility check an applicant sees, against the two seed programs' real terms: Alectra's
 * BEV-only list with model years, Mississippi's BEV-or-PHEV list that lets unlisted cars apply.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { ALECTRA_VEHICLES, MISSISSIPPI_VEHICLES } from '../programs/preset-vehicle-lists.js';
import {
  checkProgramOpen,
  checkUtilityAccount,
  checkVehicle,
  type ApplicantVehicle,
  type EligibilityCheck,
  type EligibilityTerms,
  type VehicleEligibility,
} from './eligibility.js';

function alectraTerms(overrides: Partial<EligibilityTerms> = {}): EligibilityTerms {
  return {
    programName: 'SmartCharge Ontario',
    utility: 'Alectra Utilities',
    eligibility: { powertrains: ['BEV'], utilityCustomersOnly: true },
    vehicleList: ALECTRA_VEHICLES,
    unlistedVehiclesMayApply: false,
    ...overrides,
  };
}

function mississippiTerms(overrides: Partial<EligibilityTerms> = {}): EligibilityTerms {
  return {
    programName: 'SmartCharge Mississippi',
    utility: 'Mississippi Power',
    eligibility: { powertrains: ['BEV', 'PHEV'], utilityCustomersOnly: true },
    vehicleList: MISSISSIPPI_VEHICLES,
    unlistedVehiclesMayApply: true,
    ...overrides,
  };
}

const car = (make: string, model: string, modelYear: number): ApplicantVehicle => ({ make, model, modelYear });

function reasonFor(result: VehicleEligibility, check: EligibilityCheck) {
  const reason = result.reasons.find((r) => r.check === check);
  if (reason === undefined) throw new Error(`no ${check} reason in ${JSON.stringify(result.reasons)}`);
  return reason;
}

describe('checkVehicle', () => {
  it('accepts a 2019 Hyundai Kona in Alectra without review', () => {
    const result = checkVehicle(alectraTerms(), car('Hyundai', 'Kona', 2019));
    expect(result).toMatchObject({
      eligible: true,
      needsReview: false,
      catalogModelId: 'hyundai-kona-electric',
      powertrain: 'BEV',
      matched: { make: 'Hyundai', model: 'Kona', yearFrom: 2019, yearTo: 2021 },
    });
    expect(result.reasons.map((r) => [r.check, r.ok])).toEqual([
      ['powertrain', true],
      ['vehicle_list', true],
      ['model_year', true],
    ]);
  });

  it('turns away a 2023 Nissan Leaf in Alectra, saying which model years are supported', () => {
    const result = checkVehicle(alectraTerms(), car('Nissan', 'Leaf', 2023));
    expect(result.eligible).toBe(false);
    expect(result.needsReview).toBe(false);
    expect(reasonFor(result, 'model_year')).toEqual({
      check: 'model_year',
      ok: false,
      message: 'The Nissan Leaf is supported for model years 2011–2021; a 2023 is not on the list.',
    });
    expect(reasonFor(result, 'powertrain').ok).toBe(true);
    expect(reasonFor(result, 'vehicle_list').ok).toBe(true);
  });

  it.each([2011, 2021])('includes both ends of a listed year range (a %i Leaf in Alectra)', (year) => {
    expect(checkVehicle(alectraTerms(), car('Nissan', 'Leaf', year)).eligible).toBe(true);
  });

  it('turns away a Chevrolet Volt in Alectra because the program is for battery-electric vehicles', () => {
    const result = checkVehicle(alectraTerms(), car('Chevrolet', 'Volt', 2017));
    expect(result.eligible).toBe(false);
    expect(result.powertrain).toBe('PHEV');
    const powertrain = reasonFor(result, 'powertrain');
    expect(powertrain.ok).toBe(false);
    expect(powertrain.message).toBe(
      'SmartCharge Ontario is for battery-electric vehicles; the Chevrolet Volt is a plug-in hybrid, so it cannot take part.',
    );
  });

  it('accepts a Chevrolet Volt in Mississippi without review', () => {
    const result = checkVehicle(mississippiTerms(), car('Chevrolet', 'Volt', 2017));
    expect(result).toMatchObject({ eligible: true, needsReview: false, catalogModelId: 'chevrolet-volt' });
    expect(result.matched).toEqual({ make: 'Chevrolet', model: 'Volt' });
  });

  it('turns away a Toyota Mirai in Mississippi because it cannot plug in, though it is on the list', () => {
    const result = checkVehicle(mississippiTerms(), car('Toyota', 'Mirai', 2018));
    expect(result.eligible).toBe(false);
    expect(result.needsReview).toBe(false);
    expect(result.powertrain).toBe('FCEV');
    expect(reasonFor(result, 'vehicle_list').ok).toBe(true);
    const powertrain = reasonFor(result, 'powertrain');
    expect(powertrain.ok).toBe(false);
    expect(powertrain.message).toMatch(/^The Toyota Mirai is a hydrogen fuel-cell vehicle: it cannot plug in/);
  });

  it('lets a Ford Mustang Mach-E apply to Mississippi for review, since unlisted vehicles may apply', () => {
    const result = checkVehicle(mississippiTerms(), car('Ford', 'Mustang Mach-E', 2021));
    expect(result).toMatchObject({
      eligible: true,
      needsReview: true,
      catalogModelId: null,
      powertrain: null,
      matched: null,
    });
    expect(reasonFor(result, 'vehicle_list').message).toContain(
      'Ford Mustang Mach-E is not on the supported-vehicle list',
    );
    expect(reasonFor(result, 'powertrain').message).toContain('a battery-electric vehicle or a plug-in hybrid');
  });

  it('turns away a Ford Mustang Mach-E in Alectra, naming it and pointing to the supported list', () => {
    const result = checkVehicle(alectraTerms(), car('Ford', 'Mustang Mach-E', 2021));
    expect(result.eligible).toBe(false);
    expect(result.needsReview).toBe(false);
    const list = reasonFor(result, 'vehicle_list');
    expect(list.ok).toBe(false);
    expect(list.message).toBe(
      'The Ford Mustang Mach-E is not on the supported-vehicle list of SmartCharge Ontario; see that list for the models and model years that can take part.',
    );
    expect(result.reasons.some((r) => r.check === 'model_year')).toBe(false);
  });

  it('lets a catalogued car that is not on Mississippi’s list apply for review', () => {
    const result = checkVehicle(mississippiTerms(), car('Hyundai', 'Kona Electric', 2020));
    expect(result).toMatchObject({ eligible: true, needsReview: true, catalogModelId: 'hyundai-kona-electric' });
  });

  it.each([
    ['Chevy', 'Bolt', 2019, 'Bolt EV'],
    ['VW', 'eGolf', 2017, 'e-golf'],
    ['Kia', 'Niro EV', 2020, 'Niro BEV'],
    ['smart', 'fortwo electric drive', 2016, 'Electric Drive'],
  ])('matches Alectra’s list by catalog identity: %s %s', (make, model, year, listed) => {
    const result = checkVehicle(alectraTerms(), car(make, model, year));
    expect(result.eligible).toBe(true);
    expect(result.needsReview).toBe(false);
    expect(result.matched?.model).toBe(listed);
  });

  it('names the car as the catalog does when the applicant used a short form', () => {
    const result = checkVehicle(alectraTerms(), car('Chevy', 'Bolt', 2016));
    expect(reasonFor(result, 'model_year').message).toBe(
      'The Chevrolet Bolt EV is supported for model years 2017–2021; a 2016 is not on the list.',
    );
  });

  it('matches a listed Nissan Leaf of any generation in Mississippi, whose list has no years', () => {
    const result = checkVehicle(mississippiTerms(), car('Nissan', 'Leaf', 2019));
    expect(result.eligible).toBe(true);
    expect(reasonFor(result, 'model_year').message).toBe('Any model year of the Nissan Leaf may apply.');
  });

  it('matches a car the catalog does not know by its listed name, and asks for review of its powertrain', () => {
    const terms = alectraTerms({
      vehicleList: [...ALECTRA_VEHICLES, { make: 'Ford', model: 'Mustang Mach-E', yearFrom: 2021, yearTo: 2024 }],
    });
    const result = checkVehicle(terms, car('FORD', 'mustang mach e', 2022));
    expect(result).toMatchObject({ eligible: true, needsReview: true, catalogModelId: null });
    expect(result.matched?.model).toBe('Mustang Mach-E');
    expect(reasonFor(result, 'powertrain').message).toContain(
      'someone will confirm that it is a battery-electric vehicle',
    );
    expect(checkVehicle(terms, car('Ford', 'Mustang Mach-E', 2020)).eligible).toBe(false);
  });

  it('turns away Alectra’s listed Audi A3 e-tron, which the catalog knows as a plug-in hybrid', () => {
    const result = checkVehicle(alectraTerms(), car('Audi', 'A3 e-tron', 2017));
    expect(result.matched?.model).toBe('A3 Electric');
    expect(reasonFor(result, 'vehicle_list').ok).toBe(true);
    expect(reasonFor(result, 'powertrain').ok).toBe(false);
    expect(result.eligible).toBe(false);
  });

  it('turns away a battery-electric car from a program only for plug-in hybrids', () => {
    const terms = mississippiTerms({ eligibility: { powertrains: ['PHEV'], utilityCustomersOnly: true } });
    const result = checkVehicle(terms, car('Tesla', 'Model 3', 2020));
    expect(result.eligible).toBe(false);
    expect(reasonFor(result, 'powertrain').message).toBe(
      'SmartCharge Mississippi is for plug-in hybrids; the Tesla Model 3 is a battery-electric vehicle, so it cannot take part.',
    );
  });

  it('lets any catalogued car of an accepted powertrain apply when the program has no list', () => {
    const terms = alectraTerms({ vehicleList: [] });
    const result = checkVehicle(terms, car('Renault', 'Zoe', 2030));
    expect(result).toMatchObject({ eligible: true, needsReview: false, matched: null });
  });

  it('explains every decision in whole sentences', () => {
    const cases: [EligibilityTerms, ApplicantVehicle][] = [
      [alectraTerms(), car('Hyundai', 'Kona', 2019)],
      [alectraTerms(), car('Nissan', 'Leaf', 2023)],
      [alectraTerms(), car('Chevrolet', 'Volt', 2017)],
      [alectraTerms(), car('Ford', 'Mustang Mach-E', 2021)],
      [mississippiTerms(), car('Toyota', 'Mirai', 2018)],
      [mississippiTerms(), car('Ford', 'Mustang Mach-E', 2021)],
      [alectraTerms({ vehicleList: [] }), car('Tesla', 'Model Y', 2021)],
    ];
    for (const [terms, vehicle] of cases) {
      for (const reason of checkVehicle(terms, vehicle).reasons) {
        expect(reason.message, reason.check).toMatch(/^[A-Z].{20,}\.$/);
      }
    }
  });
});

describe('checkProgramOpen', () => {
  const terms = mississippiTerms({
    applicationsOpenOn: '2020-09-01',
    applicationsCloseOn: '2021-08-31',
    participantTarget: 60,
  });

  it('says when applications open, before the opening day', () => {
    expect(checkProgramOpen(terms, '2020-08-31', 0)).toEqual({
      open: false,
      reason: 'not_yet_open',
      message: 'Applications for SmartCharge Mississippi open on September 1, 2020.',
    });
  });

  it.each(['2020-09-01', '2021-08-31'])('takes applications on the opening and closing days (%s)', (today) => {
    expect(checkProgramOpen(terms, today, 0)).toEqual({ open: true });
  });

  it('says when applications closed, after the closing day', () => {
    expect(checkProgramOpen(terms, '2021-09-01', 0)).toEqual({
      open: false,
      reason: 'closed',
      message: 'Applications for SmartCharge Mississippi closed on August 31, 2021.',
    });
  });

  it('is full once approved participants reach the target', () => {
    expect(checkProgramOpen(terms, '2020-10-01', 59)).toEqual({ open: true });
    const full = checkProgramOpen(terms, '2020-10-01', 60);
    expect(full).toMatchObject({ open: false, reason: 'full' });
    expect(full.open === false && full.message).toContain('target of 60 participants');
  });

  it('is open on any day with no window and no target', () => {
    expect(checkProgramOpen(mississippiTerms(), '1999-01-01', 10_000)).toEqual({ open: true });
  });

  it('refuses a date not written as YYYY-MM-DD, rather than comparing it wrongly', () => {
    expect(() => checkProgramOpen(terms, '2020-9-1', 0)).toThrow(AppError);
  });
});

describe('checkUtilityAccount', () => {
  const withPattern = (hint?: string) =>
    mississippiTerms({
      eligibility: {
        powertrains: ['BEV', 'PHEV'],
        utilityCustomersOnly: true,
        utilityAccountPattern: '^[0-9]{10}$',
        ...(hint === undefined ? {} : { utilityAccountHint: hint }),
      },
    });

  it('asks for an account number, naming the utility, when the program is for its customers', () => {
    const result = checkUtilityAccount(mississippiTerms(), '   ');
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      'SmartCharge Mississippi is for Mississippi Power customers: enter your Mississippi Power account number.',
    );
  });

  it('accepts an account number in the utility’s format, ignoring surrounding spaces', () => {
    expect(checkUtilityAccount(withPattern(), ' 1234567890 ').ok).toBe(true);
  });

  it('turns away an account number in the wrong format, quoting the hint', () => {
    const result = checkUtilityAccount(withPattern('the 10 digits at the top of your bill'), '12345');
    expect(result).toEqual({
      ok: false,
      message:
        'That does not look like a Mississippi Power account number: it is the 10 digits at the top of your bill.',
    });
  });

  it('points to the bill when the utility gives no hint', () => {
    expect(checkUtilityAccount(withPattern(), 'abc').message).toContain('check it against your bill');
  });

  it('accepts any account number when no pattern is set', () => {
    expect(checkUtilityAccount(mississippiTerms(), 'MP-42').ok).toBe(true);
  });

  it('needs no account number when the program is open to everyone', () => {
    const terms = alectraTerms({ eligibility: { powertrains: ['BEV'], utilityCustomersOnly: false } });
    expect(checkUtilityAccount(terms, '')).toMatchObject({ ok: true });
  });
});
