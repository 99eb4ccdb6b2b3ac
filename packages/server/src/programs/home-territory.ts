/**
 * Where a program's participants live, as codes: the country (ISO 3166-1) and, when the program
 * serves one state or province, its code. From these follow the display units a driver gets until
 * they choose (miles and °F in the United States, kilometres and °C in Canada) and the shape of a
 * home address the application accepts (a ZIP code or a Canadian postal code).
 */
import type { TEligibility } from './program.schema.js';

const US_STATES: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  PR: 'Puerto Rico',
};
const CA_PROVINCES: Readonly<Record<string, string>> = {
  AB: 'Alberta',
  BC: 'British Columbia',
  MB: 'Manitoba',
  NB: 'New Brunswick',
  NL: 'Newfoundland and Labrador',
  NS: 'Nova Scotia',
  NT: 'Northwest Territories',
  NU: 'Nunavut',
  ON: 'Ontario',
  PE: 'Prince Edward Island',
  QC: 'Quebec',
  SK: 'Saskatchewan',
  YT: 'Yukon',
};

export interface CountryRules {
  readonly name: string;
  /** What the country calls its regions and postal codes, for labels and messages. */
  readonly regionLabel: string;
  readonly postalLabel: string;
  readonly postalPattern: RegExp;
  readonly postalExample: string;
  readonly regions: Readonly<Record<string, string>>;
  readonly distanceUnit: 'km' | 'mi';
  readonly temperatureUnit: 'C' | 'F';
}

export const COUNTRIES: Readonly<Record<string, CountryRules>> = {
  US: {
    name: 'the United States',
    regionLabel: 'state',
    postalLabel: 'ZIP code',
    postalPattern: /^\d{5}(-\d{4})?$/,
    postalExample: '39501 or 39501-1234',
    regions: US_STATES,
    distanceUnit: 'mi',
    temperatureUnit: 'F',
  },
  CA: {
    name: 'Canada',
    regionLabel: 'province',
    postalLabel: 'postal code',
    // Canada Post: no D, F, I, O, Q or U anywhere, and no W or Z in first place.
    postalPattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/,
    postalExample: 'L5B 3C3',
    regions: CA_PROVINCES,
    distanceUnit: 'km',
    temperatureUnit: 'C',
  },
};

/** Until 'homeCountry' was part of the terms, a program's currency was the only sign of its country. */
const COUNTRY_OF_CURRENCY: Readonly<Record<string, string>> = { USD: 'US', CAD: 'CA' };

/** The program's country code, or undefined when nothing tells. */
export function programCountryOf(program: {
  readonly eligibility: Pick<TEligibility, 'homeCountry'>;
  readonly currency?: string;
}): string | undefined {
  return program.eligibility.homeCountry ?? COUNTRY_OF_CURRENCY[program.currency ?? ''];
}

/** Display units for someone in this country; metric when it is not known. */
export function displayUnitsOf(country: string | undefined | null): {
  distanceUnit: 'km' | 'mi';
  temperatureUnit: 'C' | 'F';
} {
  const rules = country ? COUNTRIES[country] : undefined;
  return { distanceUnit: rules?.distanceUnit ?? 'km', temperatureUnit: rules?.temperatureUnit ?? 'C' };
}

/** A region as written ("MS", "ms", "Mississippi") as its code in that country, or undefined. */
export function regionCodeOf(country: string, written: string): string | undefined {
  const regions = COUNTRIES[country]?.regions;
  if (!regions) return undefined;
  const upper = written.trim().toUpperCase();
  if (regions[upper]) return upper;
  const plain = (s: string) =>
    s
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f.]/g, '')
      .replace(/\s+/g, ' ');
  return Object.keys(regions).find((code) => plain(regions[code]!) === plain(written.trim()));
}

export interface AddressProblem {
  readonly field: 'homeAddress.country' | 'homeAddress.region' | 'homeAddress.postalCode';
  readonly message: string;
}

/** What is wrong with a home address for a program in this country and these regions, in words. */
export function homeAddressProblems(
  programName: string,
  country: string | undefined,
  regions: readonly string[] | undefined,
  address: { readonly country: string; readonly region: string; readonly postalCode: string },
): AddressProblem[] {
  if (country === undefined) return [];
  const rules = COUNTRIES[country];
  const where = rules?.name ?? country;
  if (address.country !== country) {
    return [
      {
        field: 'homeAddress.country',
        message: `${programName} is for homes in ${where}: choose ${country} as the country.`,
      },
    ];
  }
  if (!rules) return [];
  const problems: AddressProblem[] = [];
  const code = regionCodeOf(country, address.region);
  if (code === undefined) {
    problems.push({
      field: 'homeAddress.region',
      message: `Give the ${rules.regionLabel}, like ${Object.keys(rules.regions).find((c) => !regions || regions.includes(c)) ?? ''}.`,
    });
  } else if (regions && regions.length > 0 && !regions.includes(code)) {
    const names = regions.map((r) => rules.regions[r] ?? r).join(' or ');
    problems.push({
      field: 'homeAddress.region',
      message: `${programName} is for homes in ${names}, not ${rules.regions[code]}.`,
    });
  }
  if (!rules.postalPattern.test(address.postalCode.trim().toUpperCase())) {
    problems.push({
      field: 'homeAddress.postalCode',
      message: `That does not look like a ${rules.postalLabel}: it is written like ${rules.postalExample}.`,
    });
  }
  return problems;
}
