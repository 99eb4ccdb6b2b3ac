/**
 * Device stock as staff meet it in the web app: adding devices (one serial, or a list pasted or
 * uploaded) to a program's stock or the shared stock, each secret shown once; the stock list by
 * state (in stock, shipped, installed, active, removed, returned, revoked); an operator moving
 * shared stock to a program; one device's history with who did what. Operators handle every
 * program's stock; a program administrator their utility's programs' stock (and the shared stock).
 */
import { z } from 'zod';
import { accountIdOf, requireOperator, requireStaff, type Actor } from '../actor.js';
import { AppError } from '../errors.js';
import type { ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import type { DeviceScope } from './device.repository.js';
import type { Device, DeviceService, DeviceWithHistory } from './device.service.js';
import type { DeviceStatus } from './device-lifecycle.js';
import { parseSerialList } from './serial-list.js';

/** Where a device is, in the words of the stock list: revoked wins over any status. */
export const STOCK_STATES = ['in_stock', 'shipped', 'installed', 'active', 'removed', 'returned', 'revoked'] as const;
export type StockState = (typeof STOCK_STATES)[number];

const programSlug = z
  .string({ error: 'Say whose stock: a program (its slug), or null for the shared stock.' })
  .trim()
  .min(1, 'Say whose stock: a program (its slug), or null for the shared stock.')
  .max(64)
  .nullable();

export const ZAddStockSchema = z.strictObject({
  /** A program's slug, or null (operators only) for the shared stock. */
  program: programSlug,
  /** One serial, or a list: one serial a line, or a CSV whose first column is the serial. */
  list: z
    .string({ error: 'Give the serials: one serial, or one a line.' })
    .max(200_000, 'The list is too long: add at most 1000 serials at a time.'),
});

export const ZAssignStockSchema = z.strictObject({ program: programSlug });

export interface StockProgram {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
}

export interface StockDevice {
  readonly id: number;
  readonly serial: string;
  readonly state: StockState;
  readonly status: DeviceStatus;
  readonly statusChangedAt: Date;
  /** Whose stock: a program, or null for the shared stock. */
  readonly stockProgram: StockProgram | null;
  readonly vehicleId: number | null;
  readonly revoked: boolean;
  readonly createdAt: Date;
  readonly lastSeenAt: Date | null;
}

export interface StockView {
  readonly scope: 'all' | 'utility';
  readonly utility: string | null;
  /** The programs whose stock the caller handles (where devices may be added). */
  readonly programs: readonly StockProgram[];
  /** Whether the caller may add to the shared stock and move devices between programs. */
  readonly sharedStock: boolean;
  readonly counts: Readonly<Record<StockState, number>>;
  /** The most recent devices first (of the first STOCK_LIST_LIMIT by id; the counts are of those). */
  readonly devices: readonly StockDevice[];
  /** More devices exist than were listed. */
  readonly more: boolean;
}

export interface AddedDevice {
  readonly serial: string;
  /** The device's secret, shown this once: print the label now. */
  readonly secret: string;
  /** The line of the list it came from. */
  readonly line: number;
}

export interface AddedStock {
  readonly program: StockProgram | null;
  readonly added: readonly AddedDevice[];
}

export interface StockDeviceWithHistory extends StockDevice {
  readonly events: DeviceWithHistory['events'];
}

/** Most devices the stock list shows (the counts above it are exact). */
export const STOCK_LIST_LIMIT = 1000;

export function stockStateOf(device: Pick<Device, 'status' | 'vehicleId' | 'revokedAt'>): StockState {
  if (device.revokedAt !== null) return 'revoked';
  if (device.status === 'provisioned') return device.vehicleId === null ? 'in_stock' : 'shipped';
  return device.status;
}

export class DeviceStockService {
  constructor(
    private readonly devices: DeviceService,
    private readonly programs: ProgramService,
  ) {}

  async listStock(actor: Actor): Promise<StockView> {
    const { scope, programs } = await this.reach(actor);
    // Newest first reads better, but the repository pages by id: read the page and turn it.
    const rows = await this.devices.listDevicesInScope(scope, { limit: STOCK_LIST_LIMIT + 1 });
    const all = new Map(programs.map((program) => [program.id, program]));
    const counts = Object.fromEntries(STOCK_STATES.map((state) => [state, 0])) as Record<StockState, number>;
    const devices = rows.slice(0, STOCK_LIST_LIMIT).map((device) => this.toStockDevice(device, all));
    for (const device of devices) counts[device.state] += 1;
    return {
      scope: actor.kind === 'operator' ? 'all' : 'utility',
      utility: actor.kind === 'program_admin' ? actor.utility : null,
      programs,
      sharedStock: actor.kind === 'operator',
      counts,
      devices: devices.reverse(),
      more: rows.length > STOCK_LIST_LIMIT,
    };
  }

  /**
   * Adds every serial of the list, or none: when a line is wrong (not a serial, twice in the list,
   * already registered) nothing is added and every such line is named, so the list can be fixed and
   * sent again whole — no device gets a secret that nobody saw, and nothing already typed is lost
   * (the page keeps the list).
   */
  async addToStock(actor: Actor, input: z.input<typeof ZAddStockSchema>): Promise<AddedStock> {
    requireStaff(actor);
    const value = parseInput(ZAddStockSchema, input);
    const program = await this.stockOwner(actor, value.program);
    const list = parseSerialList(value.list);
    // One serial typed in a field is not "line 1" of anything.
    const single = !/[\r\n]/.test(value.list.trim());
    if (single && list.problems.length > 0) {
      const problem = list.problems[0]!.message.replace(/^Line 1: /, '');
      throw new AppError('invalid_input', problem, { details: [{ field: 'serial', message: problem }] });
    }
    if (list.problems.length > 0) {
      const bad = list.problems.filter((p) => p.line > 0).length;
      throw new AppError(
        'invalid_input',
        `${bad > 0 ? `${bad} line${bad === 1 ? '' : 's'} of the list need${bad === 1 ? 's' : ''} fixing` : 'The list cannot be added'}; nothing was added. ${list.problems.map((p) => p.message).join(' ')}`,
        { details: list.problems.map((p) => ({ field: 'list', message: p.message })) },
      );
    }
    const serials = list.serials.map((s) => s.serial);
    const byAccountId = accountIdOf(actor);
    const { issued, taken } = await this.devices.provisionStock(serials, program?.id ?? null, {
      ...(byAccountId === undefined ? {} : { byAccountId }),
    });
    if (taken.length > 0 && single) {
      const problem = `${taken[0]} is already registered (a device has this serial); nothing was added.`;
      throw new AppError('conflict', problem, { details: [{ field: 'serial', message: problem }] });
    }
    if (taken.length > 0) {
      const lineOf = new Map(list.serials.map((s) => [s.serial, s.line]));
      const problems = taken
        .map((serial) => ({ line: lineOf.get(serial) ?? 0, serial }))
        .sort((a, b) => a.line - b.line)
        .map(({ line, serial }) => `Line ${line}: ${serial} is already registered (a device has this serial).`);
      throw new AppError(
        'conflict',
        `${taken.length === 1 ? 'One serial is' : `${taken.length} serials are`} already registered; nothing was added. ${problems.join(' ')}`,
        { details: problems.map((message) => ({ field: 'list', message })) },
      );
    }
    const lineOf = new Map(list.serials.map((s) => [s.serial, s.line]));
    return {
      program,
      added: issued.map(({ device, secret }) => ({ serial: device.serial, secret, line: lineOf.get(device.serial)! })),
    };
  }

  /** An operator moves a device in stock to a program's stock, or back to the shared stock. */
  async assignStock(actor: Actor, serial: string, input: z.input<typeof ZAssignStockSchema>): Promise<StockDevice> {
    requireOperator(actor);
    const value = parseInput(ZAssignStockSchema, input);
    const program = await this.stockOwner(actor, value.program);
    const byAccountId = accountIdOf(actor);
    const device = await this.devices.assignStock(
      actor,
      serial,
      program?.id ?? null,
      program ? `to ${program.name}'s stock` : 'to the shared stock',
      byAccountId === undefined ? {} : { byAccountId },
    );
    const { programs } = await this.reach(actor);
    return this.toStockDevice(device, new Map(programs.map((p) => [p.id, p])));
  }

  /** One device the caller handles, with its history (who did what); others are not found. */
  async getStockDevice(actor: Actor, serial: string): Promise<StockDeviceWithHistory> {
    const { scope, programs } = await this.reach(actor);
    const device = await this.devices.findDeviceInScope(scope, serial);
    // The serial is not echoed: whether another utility's device exists is not the caller's to learn.
    if (!device) throw new AppError('not_found', 'No device you handle has that serial.');
    return { ...this.toStockDevice(device, new Map(programs.map((p) => [p.id, p]))), events: device.events };
  }

  /** The caller's scope of devices and the programs whose stock they handle. */
  private async reach(actor: Actor): Promise<{ scope: DeviceScope; programs: StockProgram[] }> {
    requireStaff(actor);
    const programs = (await this.programs.listPrograms(actor)).map(toStockProgram);
    return {
      scope: actor.kind === 'operator' ? 'all' : { programIds: programs.map((p) => p.id) },
      programs,
    };
  }

  /** Whose stock new devices go to: a program the caller manages, or (operators) the shared stock. */
  private async stockOwner(actor: Actor, slug: string | null): Promise<StockProgram | null> {
    if (slug === null) {
      if (actor.kind !== 'operator') {
        throw new AppError(
          'forbidden',
          "Only platform operators handle the shared stock; choose your program's stock.",
        );
      }
      return null;
    }
    // getProgram answers "not found" for another utility's program: its existence is not theirs to learn.
    return toStockProgram(await this.programs.getProgram(actor, slug));
  }

  private toStockDevice(device: Device, programs: ReadonlyMap<number, StockProgram>): StockDevice {
    return {
      id: device.id,
      serial: device.serial,
      state: stockStateOf(device),
      status: device.status,
      statusChangedAt: device.statusChangedAt,
      stockProgram: device.stockProgramId === null ? null : (programs.get(device.stockProgramId) ?? null),
      vehicleId: device.vehicleId,
      revoked: device.revokedAt !== null,
      createdAt: device.createdAt,
      lastSeenAt: device.lastSeenAt,
    };
  }
}

function toStockProgram(program: { id: number; slug: string; name: string }): StockProgram {
  return { id: program.id, slug: program.slug, name: program.name };
}
