/**
 * A fleet: N simulated vehicles in one program's region, each with its driver and its C2,
 * advanced together through time. History runs as fast as the machine allows, an hour of
 * simulated time at a time; live mode follows the wall clock. One seed gives one fleet and one
 * history (the order of uploads aside).
 */
import {
  getVariantCooling,
  listModels,
  ratedRangeKm,
  type CatalogModel,
  type CatalogVariant,
  type Powertrain,
  type SeedList,
} from '@smartcharge/catalog';
import type { UplinkTransport } from '../transport.js';
import { SimulatedC2, type UploadPace } from './c2-device.js';
import { roadLoadFactor } from './calibration.js';
import { createClimate, type Climate, type RegionId } from './climate.js';
import { drawDrTrait, type DrOptOutSink, type DrWindow, type DrWindowSource } from './demand-response.js';
import { createPersona, type HomeCharging, type PersonaOptions, type PlaceSource } from './driver.js';
import type { RecordFrame, SimOutput, Truth } from './frame.js';
import { createLocalClock } from '@smartcharge/protocol';
import { createRandom, type Random } from './random.js';
import { placesFor, REGIONS } from './places.js';
import { initialFade, VehicleSim, type SimVehicleSpec } from './vehicle-sim.js';

export const PROGRAM_IDS = ['alectra', 'mississippi-power', 'snohomish-pud'] as const;
export type ProgramId = (typeof PROGRAM_IDS)[number];

interface ProgramPreset {
  readonly region: RegionId;
  /** Which supported-vehicle list the program uses (undefined: every model in the catalog). */
  readonly list: SeedList | undefined;
  readonly powertrains: readonly Powertrain[];
  /** Local hour the utility's off-peak night starts (Ontario's ultra-low overnight rate: 23:00). */
  readonly offPeakStartHour: number;
}

export const PROGRAMS: Readonly<Record<ProgramId, ProgramPreset>> = {
  alectra: { region: 'ontario', list: 'alectra', powertrains: ['BEV'], offPeakStartHour: 23 },
  'mississippi-power': {
    region: 'mississippi',
    list: 'mississippi',
    powertrains: ['BEV', 'PHEV', 'FCEV'],
    offPeakStartHour: 0,
  },
  'snohomish-pud': { region: 'washington', list: undefined, powertrains: ['BEV', 'PHEV'], offPeakStartHour: 0 },
};

/**
 * Relative popularity of models among North American plug-in owners 2017–2021 (rounded from
 * registration shares; unlisted models weigh 1): Teslas, the Bolt, the Leaf and the Prius Prime
 * dominate fleets like these programs'.
 */
const POPULARITY: Readonly<Record<string, number>> = {
  'tesla-model-3': 30,
  'tesla-model-y': 10,
  'tesla-model-s': 7,
  'tesla-model-x': 4,
  'chevrolet-bolt-ev': 14,
  'nissan-leaf': 14,
  'toyota-prius-prime': 9,
  'chevrolet-volt': 8,
  'hyundai-kona-electric': 6,
  'kia-niro-ev': 5,
  'bmw-i3': 3,
  'volkswagen-e-golf': 3,
  'hyundai-ioniq-electric': 3,
  'kia-soul-ev': 3,
  'ford-fusion-energi': 3,
  'chrysler-pacifica-hybrid': 3,
  // Sold in Europe only (they are on Mississippi's generic list): rare in a North American fleet.
  'citroen-berlingo-electric': 0.1,
  'citroen-c-zero': 0.1,
  'peugeot-ion': 0.1,
  'renault-fluence-ze': 0.1,
  'renault-kangoo-ze': 0.1,
  'renault-zoe': 0.1,
  'opel-ampera': 0.1,
  'volkswagen-golf-gte': 0.1,
  'volkswagen-passat-gte': 0.1,
  'nissan-e-nv200': 0.1,
  // A quadricycle with an 80 km/h top speed: not a car these drivers' days suit.
  'renault-twizy': 0,
};

export interface FleetSpec {
  readonly program: ProgramId;
  readonly vehicles: number;
  readonly seed: number;
  readonly startMs: number;
  /** Serial prefix (default SIM-<PROGRAM>-<seed>). */
  readonly serialPrefix?: string;
  /** Force kinds of drivers for some vehicles (accuracy suites): applied in turn to vehicles 0, 1, 2 … */
  readonly personas?: readonly Partial<Pick<PersonaOptions, 'dcHeavy' | 'offPeak'> & { homeCharging: HomeCharging }>[];
  /** Only these powertrains (default: the program's). */
  readonly powertrains?: readonly Powertrain[];
  /** Replace the region's weather (calibration and tests: e.g. a fixed temperature; dry roads unless roadSnowAt says). */
  readonly climate?: Pick<Climate, 'temperatureAt' | 'roadSnowAt'>;
  /** Only these catalog models (ids; default: every model the program lists). */
  readonly models?: readonly string[];
  /** Climate control while driving (default on). */
  readonly hvac?: boolean;
  /**
   * Demand-response events the drivers may be told of. Each vehicle's answers draw on a stream of
   * their own: without events, and for vehicles never told, the fleet runs exactly as without this.
   */
  readonly demandResponse?: { readonly source: DrWindowSource; readonly onOptOut?: DrOptOutSink };
}

export interface FleetVehicle {
  readonly spec: SimVehicleSpec;
  readonly sim: VehicleSim;
  readonly region: RegionId;
  /** The C2's own random stream (coverage gaps, reboots), from the fleet seed. */
  readonly deviceRandom: Random;
}

function pickModel(
  candidates: readonly CatalogModel[],
  startYear: number,
  random: Random,
): { model: CatalogModel; variant: CatalogVariant; year: number } {
  const usable = candidates.filter(
    (m) => (POPULARITY[m.id] ?? 1) > 0 && m.variants.some((v) => v.yearFrom <= startYear),
  );
  const model = random.weighted(usable.map((m) => ({ value: m, weight: POPULARITY[m.id] ?? 1 })));
  const variants = model.variants.filter((v) => v.yearFrom <= startYear);
  const variant = random.pick(variants);
  const year = random.int(variant.yearFrom, Math.min(variant.yearTo, startYear));
  return { model, variant, year };
}

export function buildFleet(spec: FleetSpec): FleetVehicle[] {
  const preset = PROGRAMS[spec.program];
  const region = preset.region;
  const root = createRandom(spec.seed);
  const clock = createLocalClock(REGIONS[region].timeZone);
  const climate = spec.climate ?? createClimate(region, spec.seed);
  const places: PlaceSource = placesFor(region);
  const powertrains = spec.powertrains ?? preset.powertrains;
  const candidates = listModels({ ...(preset.list ? { listedBy: preset.list } : {}) }).filter(
    (m) => powertrains.includes(m.powertrain) && (spec.models === undefined || spec.models.includes(m.id)),
  );
  if (candidates.length === 0)
    throw new Error(
      `No catalog model fits program ${spec.program} with ${powertrains.join('/')}` +
        (spec.models ? ` among ${spec.models.join(', ')}` : ''),
    );
  const startYear = new Date(spec.startMs).getUTCFullYear();
  const prefix = spec.serialPrefix ?? `SIM-${spec.program.toUpperCase()}-${spec.seed}`;
  return Array.from({ length: spec.vehicles }, (_, index) => {
    const random = root.fork(index);
    const { model, variant, year } = pickModel(candidates, startYear, random.fork('model'));
    const forced = spec.personas?.[index % Math.max(1, spec.personas.length)];
    const fade = initialFade(getVariantCooling(model, variant), year, spec.startMs);
    const persona = createPersona(places, random.fork('persona'), {
      offPeakStartHour: preset.offPeakStartHour,
      // Plug-in hybrids have an engine for the long days.
      vehicleRangeKm: model.powertrain === 'BEV' ? ratedRangeKm(variant) * (1 - fade) : 1000,
      // Only battery EVs use fast chargers here; hybrids have their engine for long days.
      canFastCharge: model.powertrain === 'BEV' && variant.maxDcKw !== null,
      hasEngine: model.powertrain !== 'BEV',
      ...(forced?.homeCharging ? { homeCharging: forced.homeCharging } : {}),
      ...(forced?.dcHeavy === undefined ? {} : { dcHeavy: forced.dcHeavy }),
      ...(forced?.offPeak === undefined ? {} : { offPeak: forced.offPeak }),
    });
    const vehicleSpec: SimVehicleSpec = {
      serial: `${prefix}-${String(index + 1).padStart(4, '0')}`,
      model,
      variant,
      modelYear: year,
      persona,
    };
    const sim = new VehicleSim(
      vehicleSpec,
      { climate, clock, places, random: random.fork('life') },
      spec.startMs,
      roadLoadFactor(model, variant),
      {
        ...(spec.hvac === undefined ? {} : { hvac: spec.hvac }),
        ...(spec.demandResponse === undefined
          ? {}
          : {
              demandResponse: {
                source: spec.demandResponse.source,
                random: random.fork('demand-response'),
                trait: drawDrTrait(random.fork('demand-response-trait')),
                ...(spec.demandResponse.onOptOut ? { onOptOut: spec.demandResponse.onOptOut } : {}),
              },
            }),
      },
    );
    return { spec: vehicleSpec, sim, region, deviceRandom: random.fork('device') };
  });
}

export interface FleetProgress {
  readonly vehicleDaysDone: number;
  readonly vehicleDaysTotal: number;
  readonly records: number;
  readonly simulatedMs: number;
}

export interface FleetSinks {
  /**
   * Where each device's batches go (HTTP, MQTT, a file…). Without it the vehicles run with no
   * C2 at all: readings go only to `reading` (calibration, realism tests, the simulation benchmark).
   */
  transportFor?(vehicle: FleetVehicle): UplinkTransport;
  /** What really happened (optional). */
  truth?(event: Truth): void;
  /** Each reading, before the device (for tests and calibration; optional and slow). */
  reading?(vehicle: FleetVehicle, frame: Readonly<RecordFrame>): void;
}

export interface RunOptions {
  readonly untilMs: number;
  /** Simulated time per step (default an hour). */
  readonly stepMs?: number;
  /** When devices upload: as a real C2 would (default), or in fewer, fuller batches for a fast history. */
  readonly uploads?: UploadPace;
  /** Uploads in flight at once (default 32). */
  readonly concurrency?: number;
  readonly onProgress?: (progress: FleetProgress) => void;
  /** Stop early (e.g. Ctrl+C). */
  readonly signal?: AbortSignal;
  /** Device behaviour overrides (tests; firstBoot for devices that ran before, in an earlier run). */
  readonly device?: {
    readonly initialBackoffMs?: number;
    readonly gapEveryH?: number;
    readonly firstBoot?: number;
    /** Readings per batch (default 600; a history backfill sends full hours, 3,600). */
    readonly batchRecords?: number;
  };
}

/** Runs up to `concurrency` tasks at a time. */
async function inPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(workers);
}

export class FleetRunner {
  private readonly devices: (SimulatedC2 | undefined)[];
  private readonly startedMs: number;
  private records = 0;

  constructor(
    readonly vehicles: readonly FleetVehicle[],
    private readonly sinks: FleetSinks,
    private readonly options: Pick<RunOptions, 'device'> = {},
  ) {
    this.startedMs = vehicles[0]?.sim.timeMs ?? 0;
    this.devices = vehicles.map((vehicle) =>
      sinks.transportFor === undefined
        ? undefined
        : new SimulatedC2({
            serial: vehicle.spec.serial,
            transport: sinks.transportFor(vehicle),
            random: vehicle.deviceRandom,
            hasEngine: vehicle.spec.model.powertrain === 'PHEV',
            ...(options.device?.initialBackoffMs === undefined
              ? {}
              : { initialBackoffMs: options.device.initialBackoffMs }),
            ...(options.device?.gapEveryH === undefined ? {} : { gapEveryH: options.device.gapEveryH }),
            ...(options.device?.firstBoot === undefined ? {} : { firstBoot: options.device.firstBoot }),
            ...(options.device?.batchRecords === undefined ? {} : { batchRecords: options.device.batchRecords }),
          }),
    );
  }

  get recordsProduced(): number {
    return this.records;
  }

  /** Advances every vehicle to `untilMs` in steps, uploading as the devices would. */
  async run(options: RunOptions): Promise<void> {
    const step = options.stepMs ?? 3_600_000;
    const concurrency = options.concurrency ?? 32;
    const total = ((options.untilMs - this.startedMs) / 86_400_000) * this.vehicles.length;
    let t = Math.min(...this.vehicles.map((v) => v.sim.timeMs));
    while (t < options.untilMs && !options.signal?.aborted) {
      t = Math.min(options.untilMs, t + step);
      this.advance(t);
      const due = this.devices.filter((d): d is SimulatedC2 => d?.wantsUpload(t, options.uploads) === true);
      await inPool(due, concurrency, (device) => device.upload(t));
      options.onProgress?.({
        vehicleDaysDone: ((t - this.startedMs) / 86_400_000) * this.vehicles.length,
        vehicleDaysTotal: total,
        records: this.records,
        simulatedMs: t,
      });
    }
  }

  /** Advances every vehicle to `timeMs` (no uploads). */
  advance(timeMs: number): void {
    this.vehicles.forEach((vehicle, i) => {
      const device = this.devices[i]!;
      const output: SimOutput = {
        record: (frame) => {
          this.records++;
          this.sinks.reading?.(vehicle, frame);
          device?.read(frame);
        },
        truth: (event) => this.sinks.truth?.(event),
      };
      vehicle.sim.advanceTo(timeMs, output);
    });
  }

  /** Uploads everything still buffered, whatever the devices' schedules (end of a run). */
  async flushAll(concurrency = 32, timeMs = Date.now()): Promise<number> {
    const devices = this.devices.filter((d): d is SimulatedC2 => d !== undefined);
    await inPool(devices, concurrency, async (device) => {
      for (let attempt = 0; attempt < 5 && device.pending > 0; attempt++) await device.upload(timeMs);
    });
    return this.pendingRecords;
  }

  /** Records the server refused for good, and the last reason given (undefined when none). */
  get refused(): { readonly records: number; readonly lastReason: string | undefined } {
    let records = 0;
    let lastReason: string | undefined;
    for (const device of this.devices) {
      if (!device || device.refused === 0) continue;
      records += device.refused;
      lastReason = device.lastRefusal;
    }
    return { records, lastReason };
  }

  /** Devices that still hold records. */
  get pendingRecords(): number {
    return this.devices.reduce((n, d) => n + (d?.pending ?? 0), 0);
  }
}

/** The true effect of one event on one vehicle: wall energy with and without the event. */
export interface DrShiftTruth {
  readonly serial: string;
  readonly eventId: string;
  readonly told: boolean;
  /** The driver opted out (explicitly, or by charging in the window). */
  readonly optedOut: 'explicit' | 'charging' | null;
  /** Wall (inlet) energy in the window, Wh: with the event, and in the same run without it. */
  readonly windowWh: number;
  readonly windowWhWithout: number;
  /** Highest wall power in the window with the event, W. */
  readonly windowPeakW: number;
  /** In the span after the window (the rebound: 3 h unless drGroundTruth was told otherwise), Wh: with and without the event. */
  readonly afterWh: number;
  readonly afterWhWithout: number;
  /** Energy the event really moved out of the window (without − with), Wh. */
  readonly shiftedWh: number;
}

/**
 * Ground truth for demand response: runs the same fleet (same seed) over the same period twice,
 * with the windows and without, and measures each vehicle's wall energy in each of its windows.
 * Without the windows nothing changes in the vehicles, so the difference is the event's true shift.
 */
export function drGroundTruth(
  spec: Omit<FleetSpec, 'demandResponse'>,
  windows: ReadonlyMap<string, readonly DrWindow[]>,
  untilMs: number,
  options: {
    /**
     * Advance in these steps, as FleetRunner.run({ stepMs }) does (default: at once). A simulation is
     * reproducible only under the same steps: parked cars' physics is integrated per call, so the
     * steps' edges change the last digits, and a charge decision near its threshold can go the other
     * way days later. To compare with a run, use that run's steps.
     */
    readonly stepMs?: number;
    /** The span after each window counted as its rebound (default 3 h). */
    readonly afterMs?: number;
  } = {},
): DrShiftTruth[] {
  const afterMs = options.afterMs ?? 3 * 3_600_000;
  const optOuts = new Map<string, 'explicit' | 'charging'>();
  const source: DrWindowSource = {
    windowsFor: (serial, fromMs, toMs) =>
      (windows.get(serial) ?? []).filter((w) => w.endMs > fromMs && w.startMs < toMs),
  };
  const measure = (withEvents: boolean) => {
    const fleet = buildFleet(
      withEvents
        ? { ...spec, demandResponse: { source, onOptOut: (s, e, _at, why) => optOuts.set(`${s} ${e}`, why) } }
        : spec,
    );
    const sums = new Map<string, { window: number; after: number; peak: number }>();
    const runner = new FleetRunner(fleet, {
      reading: (vehicle, frame) => {
        if (frame.chargeState !== 'charging' || !(frame.chargePowerW > 0)) return;
        // A charging reading covers the second before its time.
        const t = frame.timeMs - 1000;
        for (const w of windows.get(vehicle.spec.serial) ?? []) {
          const key = `${vehicle.spec.serial} ${w.eventId}`;
          const sum = sums.get(key) ?? { window: 0, after: 0, peak: 0 };
          if (t >= w.startMs && t < w.endMs) {
            sum.window += frame.chargePowerW / 3600;
            sum.peak = Math.max(sum.peak, frame.chargePowerW);
          } else if (t >= w.endMs && t < w.endMs + afterMs) sum.after += frame.chargePowerW / 3600;
          sums.set(key, sum);
        }
      },
    });
    const step = options.stepMs ?? Infinity;
    for (let t = Math.min(...fleet.map((v) => v.sim.timeMs)); t < untilMs;) {
      t = Math.min(untilMs, t + step);
      runner.advance(t);
    }
    return sums;
  };
  const withEvents = measure(true);
  const without = measure(false);
  const out: DrShiftTruth[] = [];
  for (const [serial, list] of windows) {
    for (const w of list) {
      const key = `${serial} ${w.eventId}`;
      const a = withEvents.get(key) ?? { window: 0, after: 0, peak: 0 };
      const b = without.get(key) ?? { window: 0, after: 0, peak: 0 };
      out.push({
        serial,
        eventId: w.eventId,
        told: w.told,
        optedOut: optOuts.get(key) ?? (w.optedOut ? 'explicit' : null),
        windowWh: a.window,
        windowWhWithout: b.window,
        windowPeakW: a.peak,
        afterWh: a.after,
        afterWhWithout: b.after,
        shiftedWh: b.window - a.window,
      });
    }
  }
  return out;
}
