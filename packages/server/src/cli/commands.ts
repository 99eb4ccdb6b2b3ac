/**
 * The `smartcharge` command line: serve, migrate, device …, vehicle …. Every command has --help;
 * every command that reports has --json. Settings come from flags or the environment.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, SETTINGS, type Config, type SettingName } from '../config.js';
import { DEVICE_STATUSES, isDeviceStatus, type DeviceStatus } from '../devices/index.js';
import { PRESET_IDS } from '../programs/index.js';
import { SERVER_VERSION } from '../server.js';
import { addAccountCommands } from './account-commands.js';
import { addAgentCommand } from './agent.js';
import { addBrokerCommands } from './nats-user.js';
import { connectOperator, type Json, type OperatorClient } from './operator-client.js';
import { printDevice, printDevices, printIssued, printVehicles, type Output } from './output.js';
import { runServe } from './serve.js';
import { runSimulate } from './simulate.js';
import { PROGRAM_IDS, type ProgramId } from '@smartcharge/device';

interface TargetOptions {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function programId(value: string): ProgramId {
  if (!(PROGRAM_IDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${PROGRAM_IDS.join(', ')}`);
  return value as ProgramId;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function isoDate(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected a date or time such as 2024-03-01 or 2024-03-01T06:00Z');
  return new Date(ms).toISOString();
}

function deviceStatus(value: string): DeviceStatus {
  if (!isDeviceStatus(value)) throw new InvalidArgumentError(`expected one of ${DEVICE_STATUSES.join(', ')}`);
  return value;
}

/** Options every command that touches the database takes. */
function withTarget(command: Command): Command {
  return command
    .option(
      '--data-dir <dir>',
      `embedded database folder (${SETTINGS.dataDir.env}, default ${SETTINGS.dataDir.defaultValue})`,
    )
    .option('--database-url <url>', `PostgreSQL URL (${SETTINGS.databaseUrl.env}); overrides the embedded database`)
    .option('--json', 'print machine-readable JSON');
}

function configFrom(
  options: TargetOptions,
  extra: Partial<Record<SettingName, string | number | undefined>> = {},
): Config {
  return loadConfig(process.env, {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...extra,
  });
}

async function withOperator(
  options: TargetOptions,
  commandLine: string,
  run: (client: OperatorClient, out: Output) => Promise<void>,
): Promise<void> {
  const client = await connectOperator(configFrom(options), commandLine);
  const out: Output = { json: options.json === true, via: client.via };
  try {
    await run(client, out);
  } finally {
    await client.close();
  }
}

function emit(out: Output, value: unknown, human: () => void): void {
  if (out.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human();
}

export function buildProgram(): Command {
  const program = new Command('smartcharge')
    .description('SmartCharge: an open platform for utility electric-vehicle programs.')
    .version(SERVER_VERSION)
    .showHelpAfterError('(add --help for usage)')
    // Before any subcommand is added: they inherit it, so usage errors reach main() (exit code 2).
    .exitOverride();

  /** Settings `serve` also takes as flags (each with its `flag` in SETTINGS). */
  const SERVE_FLAGS = ['port', 'host', 'dataDir', 'databaseUrl', 'mqttUrl', 'mqttPort', 'logLevel', 'roles'] as const;
  const serve = program
    .command('serve')
    .description('Run the platform: HTTP API and device uplink, MQTT, storage (what `npm start` runs).');
  for (const name of SERVE_FLAGS) {
    const spec = SETTINGS[name];
    const defaultText = 'defaultText' in spec ? spec.defaultText : String(spec.defaultValue);
    serve.addOption(new Option(`--${spec.flag} <value>`, `${spec.description} [${spec.env}, default ${defaultText}]`));
  }
  serve.option('--json', 'print the start-up summary as one JSON line instead of a banner');
  serve.option('--no-demo', 'start empty: no demo programs, accounts or fleet (DEMO=false)');
  serve.action(async (options: Record<string, string | boolean | undefined>) => {
    const flags: Partial<Record<SettingName, string>> = {};
    for (const name of SERVE_FLAGS) {
      const value = options[name];
      if (typeof value === 'string') flags[name] = value;
    }
    await runServe(loadConfig(process.env, flags), {
      json: options.json === true,
      demo: options.demo !== false,
      mqttPortExplicit: flags.mqttPort !== undefined || process.env[SETTINGS.mqttPort.env] !== undefined,
    });
  });

  withTarget(
    program.command('migrate').description('Apply database migrations that have not been applied yet.'),
  ).action(async (options: TargetOptions) => {
    await withOperator(options, 'smartcharge migrate', async (client, out) => {
      const report = await client.migrate();
      emit(out, report, () => {
        const by = report.ranBy === 'the running server' ? ' (the running server applied them at start)' : '';
        if (report.applied.length > 0) console.log(`Applied ${report.applied.join(', ')} on ${out.via}.`);
        console.log(
          `The database is up to date: ${report.applied.length + report.alreadyApplied.length} migrations${by}.`,
        );
      });
    });
  });

  const device = program.command('device').description('Provision and manage C2 devices.');
  withTarget(
    device
      .command('provision')
      .description('Create a device and print its secret credential (shown this once).')
      .requiredOption('--serial <serial>', 'the serial printed on the device, e.g. C2-000123')
      .option('--vehicle <id>', 'put the device in this vehicle', positiveInt),
  ).action(async (options: TargetOptions & { serial: string; vehicle?: number }) => {
    await withOperator(options, 'smartcharge device provision', async (client, out) => {
      const issued = await client.provisionDevice({
        serial: options.serial,
        ...(options.vehicle ? { vehicleId: options.vehicle } : {}),
      });
      emit(out, issued, () => printIssued(issued, 'provisioned'));
    });
  });

  withTarget(
    device
      .command('revoke')
      .description("Revoke a device's credential: it can no longer send data (rotate to issue a new one).")
      .requiredOption('--serial <serial>', 'device serial')
      .option('--note <text>', 'why, for the device history'),
  ).action(async (options: TargetOptions & { serial: string; note?: string }) => {
    await withOperator(options, 'smartcharge device revoke', async (client, out) => {
      const revoked = await client.revokeCredential(options.serial, options.note);
      emit(out, revoked, () => console.log(`Revoked the credential of ${options.serial}; it can no longer send data.`));
    });
  });

  withTarget(
    device
      .command('rotate')
      .description('Issue a new secret for a device (also after a revocation).')
      .requiredOption('--serial <serial>', 'device serial')
      .option('--grace-hours <hours>', 'keep the previous secret working this long (default 0)', (v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0 || n > 2160) throw new InvalidArgumentError('expected hours from 0 to 2160');
        return n;
      }),
  ).action(async (options: TargetOptions & { serial: string; graceHours?: number }) => {
    await withOperator(options, 'smartcharge device rotate', async (client, out) => {
      const issued = await client.rotateCredential(options.serial, Math.round((options.graceHours ?? 0) * 3600));
      emit(out, issued, () => printIssued(issued, 'rotated'));
    });
  });

  withTarget(
    device
      .command('status')
      .description(`Move a device along its lifecycle (${DEVICE_STATUSES.join(' → ')}).`)
      .requiredOption('--serial <serial>', 'device serial')
      .requiredOption('--set <status>', `new status: ${DEVICE_STATUSES.join(', ')}`, deviceStatus)
      .option('--note <text>', 'e.g. the shipment tracking number'),
  ).action(async (options: TargetOptions & { serial: string; set: DeviceStatus; note?: string }) => {
    await withOperator(options, 'smartcharge device status', async (client, out) => {
      const updated = await client.setStatus(options.serial, options.set, options.note);
      emit(out, updated, () => console.log(`${options.serial} is now ${String(updated.status)}.`));
    });
  });

  withTarget(
    device
      .command('assign')
      .description('Put a device in a vehicle, or take it out with --none.')
      .requiredOption('--serial <serial>', 'device serial')
      .option('--vehicle <id>', 'vehicle id (see: smartcharge vehicle list)', positiveInt)
      .option('--none', 'take the device out of its vehicle'),
  ).action(async (options: TargetOptions & { serial: string; vehicle?: number; none?: boolean }) => {
    if ((options.vehicle === undefined) === (options.none !== true)) {
      throw new InvalidArgumentError('give either --vehicle <id> or --none');
    }
    await withOperator(options, 'smartcharge device assign', async (client, out) => {
      const updated = await client.assignVehicle(options.serial, options.vehicle ?? null);
      emit(out, updated, () =>
        console.log(
          updated.vehicleId === null
            ? `${options.serial} is no longer in a vehicle.`
            : `${options.serial} is now in vehicle ${options.vehicle ?? ''}.`,
        ),
      );
    });
  });

  withTarget(
    device
      .command('show')
      .description('Show a device and its history.')
      .requiredOption('--serial <serial>', 'device serial'),
  ).action(async (options: TargetOptions & { serial: string }) => {
    await withOperator(options, 'smartcharge device show', async (client, out) => {
      const found = await client.getDevice(options.serial);
      emit(out, found, () => printDevice(found));
    });
  });

  withTarget(
    device
      .command('list')
      .description('List devices.')
      .option('--status <status>', 'only devices in this status', deviceStatus)
      .option('--after <id>', 'start after this device id (paging)', positiveInt)
      .option('--limit <n>', 'at most this many (default 100, at most 1000)', positiveInt),
  ).action(async (options: TargetOptions & { status?: DeviceStatus; after?: number; limit?: number }) => {
    await withOperator(options, 'smartcharge device list', async (client, out) => {
      const devices: Json[] = await client.listDevices({
        ...(options.status ? { status: options.status } : {}),
        ...(options.after ? { afterId: options.after } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      });
      emit(out, devices, () => printDevices(devices));
    });
  });

  const programs = program
    .command('program')
    .description('Utility programs: time zone, territory, rates, grid factors.');
  withTarget(programs.command('list').description('List programs.')).action(async (options: TargetOptions) => {
    await withOperator(options, 'smartcharge program list', async (client, out) => {
      const list = await client.listPrograms();
      emit(out, list, () => {
        if (list.length === 0) console.log('No programs yet. Add one: smartcharge program add --preset alectra');
        for (const p of list) {
          console.log(
            `${String(p.id).padStart(4)}  ${String(p.slug).padEnd(20)} ${String(p.utility)} (${String(p.timeZone)}), ` +
              `grid ${String(p.gridGPerKwh)} g/kWh${p.gridHourlyGPerKwh ? ' (hourly)' : ''}`,
          );
        }
      });
    });
  });
  withTarget(
    programs
      .command('add')
      .description('Add a ready-made program (for a custom one, POST /api/v1/admin/programs).')
      .requiredOption('--preset <id>', `one of ${PRESET_IDS.join(', ')}`),
  ).action(async (options: TargetOptions & { preset: string }) => {
    await withOperator(options, 'smartcharge program add', async (client, out) => {
      const created = await client.ensurePreset(options.preset);
      emit(out, created, () => console.log(`Program ${String(created.slug)} (id ${String(created.id)}) is ready.`));
    });
  });

  withTarget(
    program
      .command('rebuild')
      .description(
        'Derive trips, charging sessions, battery health and daily rollups again from raw telemetry ' +
          '(after changing a DERIVE_* setting or a program).',
      )
      .option('--vehicle <id>', 'only this vehicle', positiveInt)
      .option('--from <date>', 'only from this date or time on (ISO 8601, e.g. 2024-03-01)', isoDate),
  ).action(async (options: TargetOptions & { vehicle?: number; from?: string }) => {
    await withOperator(options, 'smartcharge rebuild', async (client, out) => {
      const result = await client.rebuild({
        ...(options.vehicle ? { vehicleId: options.vehicle } : {}),
        ...(options.from ? { from: options.from } : {}),
      });
      emit(out, result, () => {
        const rows = (result.results as Json[]) ?? [];
        const trips = rows.reduce((n, r) => n + (r.trips as number), 0);
        const sessions = rows.reduce((n, r) => n + (r.sessions as number), 0);
        console.log(
          `Rebuilt ${plural(result.vehicles as number, 'vehicle')} from ${(result.readings as number).toLocaleString('en-US')} readings ` +
            `in ${(result.seconds as number).toFixed(1)} s: ${plural(trips, 'trip')}, ${plural(sessions, 'charging session')}.`,
        );
      });
    });
  });

  const vehicle = program.command('vehicle').description('Vehicles that devices are installed in.');
  withTarget(
    vehicle
      .command('add')
      .description('Add a vehicle.')
      .requiredOption('--make <make>', 'e.g. Chevrolet')
      .requiredOption('--model <model>', 'e.g. "Bolt EV"')
      .requiredOption('--year <year>', 'model year', positiveInt)
      .option('--vin <vin>', 'vehicle identification number (17 characters)')
      .option('--variant <name>', 'battery option where the year had several, e.g. "62 kWh"')
      .option('--program <slug>', 'the utility program it is enrolled in (see: smartcharge program list)'),
  ).action(
    async (
      options: TargetOptions & {
        make: string;
        model: string;
        year: number;
        vin?: string;
        variant?: string;
        program?: string;
      },
    ) => {
      await withOperator(options, 'smartcharge vehicle add', async (client, out) => {
        const created = await client.createVehicle({
          make: options.make,
          model: options.model,
          modelYear: options.year,
          ...(options.vin ? { vin: options.vin } : {}),
          ...(options.variant ? { variant: options.variant } : {}),
          ...(options.program ? { program: options.program } : {}),
        });
        emit(out, created, () =>
          console.log(
            `Added vehicle ${String(created.id)}: ${options.year} ${options.make} ${options.model}` +
              (typeof created.catalogModelId === 'string'
                ? ` (catalog: ${created.catalogModelId}, ${String(created.catalogVariant)})`
                : ' (not in the catalog)') +
              '.',
          ),
        );
      });
    },
  );
  withTarget(
    vehicle
      .command('list')
      .description('List vehicles.')
      .option('--after <id>', 'start after this vehicle id (paging)', positiveInt)
      .option('--limit <n>', 'at most this many (default 100, at most 1000)', positiveInt),
  ).action(async (options: TargetOptions & { after?: number; limit?: number }) => {
    await withOperator(options, 'smartcharge vehicle list', async (client, out) => {
      const vehicles = await client.listVehicles({
        ...(options.after ? { afterId: options.after } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      });
      emit(out, vehicles, () => printVehicles(vehicles));
    });
  });

  program
    .command('simulate')
    .description('Run a fleet of simulated vehicles with virtual C2 devices, feeding a server or writing NDJSON files.')
    .option('--vehicles <n>', 'how many vehicles', positiveInt, 10)
    .option('--days <d>', 'days of history (default 7, or from --start to --end)', positiveInt)
    .option('--start <time>', 'ISO 8601 time the history begins (e.g. 2026-10-01T00:00:00Z)')
    .option(
      '--end <time>',
      'ISO 8601 time the history ends (default now): --seed S --end T writes the same file every time',
    )
    .option('--program <id>', `the program's region and vehicle list: ${PROGRAM_IDS.join(', ')}`, programId, 'alectra')
    .option('--seed <s>', 'one seed gives one fleet and one history', positiveInt, 1)
    .option(
      '--to <url|file>',
      'http(s)://… a SmartCharge server, mqtt://… a broker, or a file path (NDJSON)',
      'http://127.0.0.1:8080',
    )
    .option(
      '--server <url>',
      'the SmartCharge server that registers the devices when --to is mqtt:// (default http://127.0.0.1:8080)',
    )
    .option(
      '--admin-token <token>',
      'operator token for registering devices (default SMARTCHARGE_ADMIN_TOKEN, or the running server on --data-dir)',
    )
    .option(
      '--data-dir <dir>',
      `where to find a running server's token (${SETTINGS.dataDir.env}, default ${SETTINGS.dataDir.defaultValue})`,
    )
    .addOption(
      new Option(
        '--speed <speed>',
        'fast: the history as fast as possible, then stop; realtime: then keep driving live until stopped',
      )
        .choices(['fast', 'realtime'])
        .default('fast'),
    )
    .option(
      '--truth <file>',
      'also write ground truth (trips, sessions, battery) as NDJSON; with a file target: <file>.truth.ndjson',
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smartcharge simulate --vehicles 20 --days 30            # into the server on this machine\n' +
        '  smartcharge simulate --vehicles 100 --days 365 --to fleet.ndjson --seed 7\n' +
        '  smartcharge simulate --days 30 --end 2026-11-01T00:00:00Z --seed 7 --to fleet.ndjson   # reproducible\n',
    )
    .action(
      async (options: {
        vehicles: number;
        days?: number;
        start?: string;
        end?: string;
        program: ProgramId;
        seed: number;
        to: string;
        server?: string;
        adminToken?: string;
        dataDir?: string;
        speed: 'fast' | 'realtime';
        truth?: string;
        json?: boolean;
      }) => {
        const config = configFrom({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const summary = await runSimulate(
          {
            vehicles: options.vehicles,
            days: options.days,
            start: options.start,
            end: options.end,
            program: options.program,
            seed: options.seed,
            to: options.to,
            server: options.server,
            adminToken: options.adminToken ?? config.adminToken,
            dataDir: config.dataDir,
            speed: options.speed,
            truth: options.truth,
            json: options.json === true,
            maxAgeDays: config.ingestMaxAgeDays,
          },
          controller.signal,
        );
        emit({ json: options.json === true, via: options.to }, summary, () => {
          console.log(
            `Simulated ${plural(summary.vehicles, 'vehicle')} over ${plural(summary.days, 'day')}: ` +
              `${plural(summary.records, 'reading')} to ${summary.to} in ${summary.seconds.toFixed(1)} s.`,
          );
          if (summary.truth) console.log(`Ground truth: ${summary.truth}`);
          if (summary.refusedRecords > 0) {
            console.log(
              `${plural(summary.refusedRecords, 'reading')} refused by the server: ${summary.lastRefusal ?? ''}`,
            );
          }
          if (summary.pendingRecords > 0) {
            console.log(
              `${plural(summary.pendingRecords, 'reading')} not delivered: the server could not be reached, or kept asking to wait.`,
            );
          }
        });
      },
    );

  addAccountCommands(program, { withTarget, withOperator, emit });
  addAgentCommand(program);
  addBrokerCommands(program);
  return program;
}
