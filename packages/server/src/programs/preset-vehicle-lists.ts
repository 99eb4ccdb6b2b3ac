/**
 * The supported-vehicle lists of the two seed programs, as their pages print them: Alectra's with
 * model-year ranges, Mississippi Power's with names only. Spellings are the pages' own ("e-golf",
 * "Cmax Energi", "for-two ED"); the catalog's aliases map them to catalog models.
 *
 * These are the lists of cars the C2 device can read, not statements about powertrain: Mississippi's
 * includes the fuel-cell Toyota Mirai and Alectra's BEV-only list includes the plug-in-hybrid Audi
 * A3 e-tron. Eligibility checks the powertrain separately (enrollment/eligibility.ts).
 */
import type { TListedVehicle } from './program.schema.js';

/** Alectra (SmartCharge Ontario): 19 models, each with the model years the page gives. */
export const ALECTRA_VEHICLES: readonly TListedVehicle[] = [
  { make: 'Audi', model: 'A3 Electric', yearFrom: 2016, yearTo: 2018 },
  { make: 'BMW', model: 'i3', yearFrom: 2014, yearTo: 2021 },
  { make: 'Chevrolet', model: 'Bolt EV', yearFrom: 2017, yearTo: 2021 },
  { make: 'Chevrolet', model: 'Spark EV', yearFrom: 2013, yearTo: 2015 },
  { make: 'Fiat', model: '500e', yearFrom: 2013, yearTo: 2015 },
  { make: 'Honda', model: 'Fit EV', yearFrom: 2013, yearTo: 2014 },
  { make: 'Hyundai', model: 'Ioniq Electric', yearFrom: 2017, yearTo: 2021 },
  { make: 'Hyundai', model: 'Kona', yearFrom: 2019, yearTo: 2021 },
  { make: 'Jaguar', model: 'I-PACE', yearFrom: 2019, yearTo: 2021 },
  { make: 'Kia', model: 'Niro BEV', yearFrom: 2019, yearTo: 2021 },
  { make: 'Kia', model: 'Soul EV', yearFrom: 2014, yearTo: 2021 },
  { make: 'Mitsubishi', model: 'i-MiEV', yearFrom: 2012, yearTo: 2016 },
  { make: 'Nissan', model: 'Leaf', yearFrom: 2011, yearTo: 2021 },
  { make: 'Smart', model: 'Electric Drive', yearFrom: 2013, yearTo: 2019 },
  { make: 'Tesla', model: 'Model 3', yearFrom: 2018, yearTo: 2021 },
  { make: 'Tesla', model: 'Model S', yearFrom: 2013, yearTo: 2021 },
  { make: 'Tesla', model: 'Model X', yearFrom: 2016, yearTo: 2021 },
  { make: 'Tesla', model: 'Model Y', yearFrom: 2020, yearTo: 2021 },
  { make: 'Volkswagen', model: 'e-golf', yearFrom: 2015, yearTo: 2021 },
];

/**
 * Mississippi Power (SmartCharge Mississippi): 42 names without years. The page lets unlisted
 * vehicles apply, so this list says what is known to work rather than what is allowed.
 */
export const MISSISSIPPI_VEHICLES: readonly TListedVehicle[] = [
  { make: 'Audi', model: 'A3 eTron' },
  { make: 'BMW', model: 'X5 xDrive40e PHEV' },
  { make: 'Cadillac', model: 'ELR' },
  { make: 'Chevrolet', model: 'Bolt' },
  { make: 'Chevrolet', model: 'Spark' },
  { make: 'Chevrolet', model: 'Volt' },
  { make: 'Chrysler', model: 'Pacifica PHEV' },
  { make: 'Citroen', model: 'Berlingo BEV' },
  { make: 'Citroen', model: 'C-Zero' },
  { make: 'Fiat', model: '500e' },
  { make: 'Ford', model: 'Cmax Energi' },
  { make: 'Ford', model: 'Focus EV' },
  { make: 'Ford', model: 'Fusion Energi' },
  { make: 'Honda', model: 'Fit EV' },
  { make: 'Hyundai', model: 'Sonata PHEV' },
  { make: 'Hyundai', model: 'Ioniq BEV' },
  { make: 'Hyundai', model: 'Ioniq PHEV' },
  { make: 'Kia', model: 'Soul EV' },
  { make: 'Kia', model: 'Niro PHEV' },
  { make: 'Kia', model: 'Optima PHEV' },
  { make: 'Mercedes', model: 'B-250e BEV' },
  { make: 'Mitsubishi', model: 'i-MiEV' },
  { make: 'Mitsubishi', model: 'Outlander PHEV' },
  { make: 'Nissan', model: 'eNV200' },
  { make: 'Nissan', model: 'Leaf Gen 1' },
  { make: 'Nissan', model: 'Leaf Gen 2' },
  { make: 'Opel', model: 'Ampera' },
  { make: 'Peugeot', model: 'i-On' },
  { make: 'Renault', model: 'Fluence EV' },
  { make: 'Renault', model: 'Kangoo ZE' },
  { make: 'Renault', model: 'Twizy' },
  { make: 'Renault', model: 'Zoe ZE' },
  { make: 'Smart', model: 'for-two ED' },
  { make: 'Tesla', model: 'Model 3' },
  { make: 'Tesla', model: 'Model S' },
  { make: 'Tesla', model: 'Model X' },
  { make: 'Toyota', model: 'Mirai' },
  { make: 'Toyota', model: 'Prius Plug-In' },
  { make: 'Toyota', model: 'Prius Prime' },
  { make: 'Volkswagen', model: 'eGolf' },
  { make: 'Volkswagen', model: 'Golf GTE' },
  { make: 'Volkswagen', model: 'Passat GTE' },
];
