/**
 * A dynamometer run, as in the published cold- and hot-chamber range tests: one car soaked at a
 * constant temperature (pack and cabin at the chamber's), then driven over repeated city and
 * highway cycles with the climate control on or off, through the same model the fleet drives
 * with (ElectricDrive). Differences from a real chamber: the road load stays our road model's
 * (denser cold air and stiffer tyres included, dry road), where a dynamometer sets a fixed load.
 */
import { getVariantCooling, getVariantHeatPump, type CatalogModel, type CatalogVariant } from '@smartcharge/catalog';
import { Battery } from './battery.js';
import { Cabin } from './cabin.js';
import { roadLoadFactor } from './calibration.js';
import { speedTrace, type Leg } from './drive-cycle.js';
import { ElectricDrive } from './electric-drive.js';
import { createRandom } from './random.js';
import { VehiclePhysics } from './vehicle-physics.js';

/** One EPA city cycle (UDDS, 12.1 km) then one highway cycle (HWFET, 16.5 km). */
const CYCLE: readonly Leg[] = [
  { kind: 'city', distanceM: 12_070 },
  { kind: 'highway', distanceM: 16_450 },
];

export interface DynamometerOptions {
  readonly ambientC: number;
  readonly hvac: boolean;
  /** Sun on the car, 0–1 (a chamber's solar lamps). */
  readonly sunFactor?: number;
  /** How far to drive (default 120 km: four city and highway pairs, the cabin's warm-up amortised as in a range test). */
  readonly distanceKm?: number;
}

/** Battery-side energy per km (Wh/km) of a run; range is inversely proportional to it. */
export function dynamometerWhPerKm(model: CatalogModel, variant: CatalogVariant, options: DynamometerOptions): number {
  const cooling = getVariantCooling(model, variant);
  const physics = new VehiclePhysics(model, variant);
  physics.roadLoadFactor = roadLoadFactor(model, variant);
  const battery = new Battery({
    usableKwh: variant.usableBatteryKwh,
    nominalPackVoltageV: variant.nominalPackVoltageV,
    cooling,
    socPct: 100,
    tempC: options.ambientC,
  });
  const drive = new ElectricDrive(
    physics,
    new Cabin(options.ambientC, getVariantHeatPump(model, variant)),
    battery,
    cooling,
    options.hvac,
  );
  const distanceM = (options.distanceKm ?? 120) * 1000;
  const random = createRandom(19_770_101);
  let wh = 0;
  let m = 0;
  while (m < distanceM && battery.socPct > 5) {
    const trace = speedTrace(CYCLE, random);
    for (let i = 0; i + 1 < trace.length && m < distanceM; i++) {
      const v0 = trace[i]!;
      const v1 = trace[i + 1]!;
      drive.loads(v0, v1, options.ambientC, options.sunFactor ?? 0, false);
      drive.draw(drive.terminalW, options.ambientC);
      wh += drive.deliveredW / 3600;
      m += (v0 + v1) / 2;
    }
  }
  return wh / (m / 1000);
}
