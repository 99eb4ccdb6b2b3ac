/**
 * `smartcharge agent`: the edge agent on a Raspberry Pi (or a laptop) with an ELM327 adapter — a C2
 * anyone can build. `agent run` (the default) reads the car and uploads like a C2; `agent scan`
 * lists what the car answers; `agent emulate` serves an emulated adapter and car on 127.0.0.1 to try
 * it all without a car. See docs/edge-agent.md.
 *
 * Settings beyond the flags, read here once: SMARTCHARGE_DEVICE_SECRET (the device credential, when
 * --secret-file is not given) and SMARTCHARGE_AGENT_DIR (the journal folder).
 */
import { readFile } from 'node:fs/promises';
import { getModelById } from '@smartcharge/catalog';
import {
  DEFAULT_JOURNAL_MAX_BYTES,
  EdgeAgent,
  Elm327,
  Elm327Emulator,
  decodeSignal,
  decodeSupportedPids,
  decodeVin,
  findProfile,
  findProfileByVin,
  getProfile,
  HttpUplinkTransport,
  isMonitorRequest,
  MqttUplinkTransport,
  openAdapter,
  openGps,
  PROFILES,
  RecordJournal,
  ScriptedVehicle,
  SUPPORT_PIDS,
  type AgentEvent,
  type ElmProtocol,
  type GpsSource,
  type RecordValues,
  type TVehicleProfile,
  type UplinkTransport,
  type VehicleReading,
} from '@smartcharge/device';
import { DEVICE_SERIAL_PATTERN } from '@smartcharge/protocol';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { AppError } from '../errors.js';

export const AGENT_ENV = {
  secret: 'SMARTCHARGE_DEVICE_SECRET',
  dir: 'SMARTCHARGE_AGENT_DIR',
} as const;

interface LinkOptions {
  adapter: string;
  baud: number;
  protocol: ElmProtocol;
  verbose?: boolean;
}

interface VehicleOptions {
  profile?: string;
  make?: string;
  model?: string;
  year?: number;
  variant?: string;
}

interface RunOptions extends LinkOptions, VehicleOptions {
  server?: string;
  device?: string;
  secretFile?: string;
  journal?: string;
  journalMaxMb: number;
  gps?: string;
  dryRun?: boolean;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function withLink(command: Command): Command {
  return command
    .requiredOption(
      '--adapter <tcp://host:port|device>',
      'the ELM327: tcp://192.168.0.10:35000 (Wi-Fi) or /dev/ttyUSB0, /dev/rfcomm0 (USB, Bluetooth)',
    )
    .option('--baud <n>', 'serial speed', positiveInt, 38400)
    .addOption(
      new Option('--protocol <p>', 'OBD protocol: can11-500 (ATSP6, every car with a profile) or auto (ATSP0)')
        .choices(['can11-500', 'auto'])
        .default('can11-500'),
    )
    .option('--verbose', 'print every exchange with the adapter on standard error');
}

function withVehicle(command: Command): Command {
  return command
    .option('--profile <id>', `vehicle profile: ${PROFILES.map((p) => p.id).join(', ')}`)
    .option('--make <make>', 'with --model and --year: choose the profile from the catalog (e.g. Hyundai)')
    .option('--model <model>', 'e.g. "Kona Electric"')
    .option('--year <year>', 'model year', positiveInt)
    .option('--variant <name>', 'with --make/--model/--year: the catalog variant, e.g. "62 kWh" (the Leaf e+)');
}

async function openLink(options: LinkOptions): Promise<Elm327> {
  let transport;
  try {
    transport = await openAdapter(options.adapter, { baudRate: options.baud });
  } catch (error) {
    throw new AppError('unavailable', (error as Error).message, { cause: error });
  }
  return new Elm327(transport, {
    protocol: options.protocol,
    ...(options.verbose
      ? {
          onExchange: (command: string, answer: string) =>
            process.stderr.write(`> ${command}\n< ${JSON.stringify(answer)}\n`),
        }
      : {}),
  });
}

/** --profile, or --make/--model/--year (and --variant) through the catalog; undefined when neither is given. */
function chosenProfile(options: VehicleOptions): TVehicleProfile | undefined {
  if (options.profile) {
    try {
      return getProfile(options.profile);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message);
    }
  }
  if (options.make === undefined && options.model === undefined && options.year === undefined) return undefined;
  if (!options.make || !options.model || !options.year) {
    throw new AppError('invalid_input', 'give --make, --model and --year together (or --profile)');
  }
  const profile = findProfile(options.make, options.model, options.year, options.variant);
  if (!profile) {
    throw new AppError(
      'invalid_input',
      `No vehicle profile reads a ${options.year} ${options.make} ${options.model}${options.variant ? ` (${options.variant})` : ''}. Profiles: ${PROFILES.map((p) => p.name).join('; ')}.`,
    );
  }
  return profile;
}

async function readVin(elm: Elm327): Promise<string | undefined> {
  const answer = await elm.request({ service: 0x09, pid: [0x02] }, { timeoutMs: 5000 });
  return answer.ok ? decodeVin(answer.payload) : undefined;
}

async function readSecret(options: RunOptions): Promise<string> {
  if (options.secretFile) {
    try {
      return (await readFile(options.secretFile, 'utf8')).trim();
    } catch (error) {
      throw new AppError(
        'invalid_input',
        `Cannot read --secret-file ${options.secretFile}: ${(error as Error).message}`,
      );
    }
  }
  const secret = process.env[AGENT_ENV.secret]?.trim();
  if (!secret) {
    throw new AppError(
      'invalid_input',
      `The device credential is missing: give --secret-file <file> or set ${AGENT_ENV.secret} (the secret printed by \`smartcharge device provision\`).`,
    );
  }
  return secret;
}

/** The uplink for --server (nothing connects until the first upload). */
function uplinkFor(server: string, serial: string, secret: string): UplinkTransport {
  const credential = { serial, secret };
  const expected = `--server ${server}: expected http(s)://… (a SmartCharge server) or mqtt://… (its broker)`;
  if (!URL.canParse(server)) throw new AppError('invalid_input', expected);
  if (/^https?:\/\//i.test(server)) return new HttpUplinkTransport({ url: server, credential });
  if (/^mqtts?:\/\//i.test(server)) return new MqttUplinkTransport({ url: server, credential });
  throw new AppError('invalid_input', expected);
}

/** The GPS for --gps (nothing opens until the car is plugged in). */
function gpsFor(spec: string): GpsSource {
  try {
    return openGps(spec, () => Date.now());
  } catch (error) {
    throw new AppError('invalid_input', (error as Error).message);
  }
}

const fmt = (value: number | undefined, digits: number, unit: string) =>
  value === undefined ? '–' : `${value.toFixed(digits)} ${unit}`;

function printReading(reading: VehicleReading, record: RecordValues | undefined, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ time: new Date(reading.timeMs).toISOString(), asleep: reading.asleep, ...reading.values, ...reading.flags, record })}\n`,
    );
    return;
  }
  const time = new Date(reading.timeMs).toISOString().slice(11, 19);
  if (reading.asleep) {
    console.log(`${time}  asleep (no answer: ${reading.failures.map((f) => `${f.request} ${f.reason}`).join(', ')})`);
    return;
  }
  const v = reading.values;
  console.log(
    [
      time,
      (record?.drive_state ?? 'holding').padEnd(8),
      (record?.charge_state ?? '').padEnd(9),
      `speed ${fmt(v.speed === undefined ? undefined : v.speed * 3.6, 1, 'km/h')}`,
      `SoC ${fmt(v.soc, 1, '%')}`,
      `pack ${fmt(v.pack_voltage, 1, 'V')} ${fmt(v.pack_current, 1, 'A')}`,
      `batt ${fmt(v.battery_temp, 1, '°C')}`,
      `out ${fmt(v.ambient_temp, 1, '°C')}`,
      ...(v.soh === undefined ? [] : [`SoH ${fmt(v.soh, 1, '%')}`]),
    ].join('  '),
  );
}

const megabytes = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

function describeEvent(event: AgentEvent): string {
  switch (event.type) {
    case 'ready': {
      const pids = event.standardPids.map((p) => p.toString(16).padStart(2, '0')).join(' ') || 'none';
      return `Connected to ${event.version ?? 'an adapter'} at ${event.adapter}; standard PIDs offered: ${pids}.`;
    }
    case 'mode':
      return `Mode: ${event.from} → ${event.to}.`;
    case 'upload':
      return `Uploaded ${event.acknowledged} records; ${event.pending} waiting${event.error ? ` (${event.error})` : ''}.`;
    case 'refused':
      return `The server refused ${event.records} records for good: ${event.reason}`;
    case 'gps':
      return `GPS ${event.on ? 'on (plugged in)' : 'off'}${event.error ? `: ${event.error}` : ''}.`;
    case 'restored':
      return `Restored ${event.records} unsent records of boot ${event.boot}.`;
    case 'journal-error':
      return `warning: cannot write the journal (${event.error}); new records are kept in memory only until it can.`;
    case 'journal-full':
      return `warning: the journal reached its ${megabytes(event.maxBytes)} MB cap and dropped its ${event.dropped} oldest unsent records.`;
  }
}

function printEvent(event: AgentEvent): void {
  process.stderr.write(`smartcharge agent: ${describeEvent(event)}\n`);
}

async function runAgent(options: RunOptions): Promise<void> {
  const dryRun = options.dryRun === true;
  if (!dryRun) {
    if (!options.server || !options.device) {
      throw new AppError(
        'invalid_input',
        'give --server <url> and --device <serial> (or --dry-run to only print what the car says)',
      );
    }
    if (!DEVICE_SERIAL_PATTERN.test(options.device)) {
      throw new AppError(
        'invalid_input',
        `--device ${options.device}: a serial is 3–64 letters, digits, ".", "_" or "-"`,
      );
    }
  }
  let profile = chosenProfile(options);
  // Everything that can be checked is, before the adapter is touched.
  const transport = dryRun ? undefined : uplinkFor(options.server!, options.device!, await readSecret(options));
  const gps = options.gps ? gpsFor(options.gps) : undefined;
  const elm = await openLink(options);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let journal: RecordJournal | undefined;
  try {
    await elm.initialize();
    if (!profile) {
      const vin = await readVin(elm);
      profile = vin === undefined ? undefined : findProfileByVin(vin);
      if (!profile) {
        throw new AppError(
          'invalid_input',
          `Cannot tell which car this is${vin ? ` (VIN ${vin})` : ' (no VIN: is the car on?)'}: give --profile (${PROFILES.map((p) => p.id).join(', ')}) or --make, --model and --year.`,
        );
      }
    }
    process.stderr.write(`smartcharge agent: reading a ${profile.name} (${profile.id}).\n`);
    let uplink;
    if (transport) {
      const opened = await RecordJournal.open(options.journal ?? process.env[AGENT_ENV.dir] ?? './agent-data', {
        maxBytes: options.journalMaxMb * 1024 * 1024,
      });
      journal = opened.journal;
      uplink = { transport, journal, restored: opened.pending };
    }
    const agent = new EdgeAgent({
      elm,
      profile,
      serial: options.device ?? 'DRY-RUN',
      ...(uplink ? { uplink } : {}),
      ...(gps ? { gps } : {}),
      onEvent: printEvent,
      ...(dryRun ? { onReading: (reading, record) => printReading(reading, record, options.json === true) } : {}),
    });
    await agent.start();
    const summary = await agent.run({ signal: controller.signal });
    process.stderr.write(
      `smartcharge agent: stopped after ${summary.readings} readings; ${summary.records} records, ${summary.acknowledged} acknowledged, ${summary.pending} kept for next time.\n`,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // Also when the link dropped or the start failed: an open MQTT client (it reconnects on its own)
    // would keep the process alive, and a service manager would never restart it.
    await transport?.close().catch(() => undefined);
    await journal?.close().catch(() => undefined);
    await gps?.stop().catch(() => undefined);
    await elm.close();
  }
}

interface ScanReport {
  adapter: string;
  version: string | undefined;
  protocol: string | undefined;
  batteryV: number | undefined;
  vin: string | undefined;
  standardPids: string[];
  profiles: {
    id: string;
    name: string;
    chosen: boolean;
    requests: { id: string; ok: boolean; detail: string; signals: Record<string, number | boolean> }[];
  }[];
}

async function scan(options: LinkOptions & VehicleOptions & { json?: boolean }): Promise<void> {
  const chosen = chosenProfile(options);
  const elm = await openLink(options);
  try {
    await elm.initialize();
    const report: ScanReport = {
      adapter: elm.description,
      version: elm.version,
      protocol: elm.protocolNumber,
      batteryV: await elm.batteryVoltage(),
      vin: await readVin(elm),
      standardPids: [],
      profiles: [],
    };
    const supported = new Set<number>();
    for (const base of SUPPORT_PIDS) {
      if (base !== 0 && !supported.has(base)) break;
      const answer = await elm.request({ service: 0x01, pid: [base] });
      if (!answer.ok) break;
      for (const pid of decodeSupportedPids(base, answer.payload.slice(2))) supported.add(pid);
    }
    report.standardPids = [...supported].map((p) => p.toString(16).toUpperCase().padStart(2, '0'));
    const byVin = report.vin ? findProfileByVin(report.vin) : undefined;
    const candidates = chosen ? [chosen] : byVin ? [byVin] : PROFILES;
    for (const profile of candidates) {
      const entry: ScanReport['profiles'][number] = {
        id: profile.id,
        name: profile.name,
        chosen: profile === (chosen ?? byVin),
        requests: [],
      };
      for (const request of profile.requests) {
        const answer = isMonitorRequest(request)
          ? await elm.monitor(request.monitor)
          : await elm.request({
              header: request.header,
              receive: request.receive,
              service: request.service,
              pid: request.pid.match(/../g)!.map((h) => parseInt(h, 16)),
            });
        const signals: Record<string, number | boolean> = {};
        if (answer.ok) {
          for (const signal of profile.signals) {
            if (signal.request !== request.id) continue;
            const value = decodeSignal(signal, answer.payload);
            if (value !== undefined)
              signals[signal.name] = typeof value === 'number' ? Math.round(value * 1000) / 1000 : value;
          }
        }
        entry.requests.push({
          id: request.id,
          ok: answer.ok,
          detail: answer.ok
            ? `${answer.payload.length} bytes from ${answer.ecu ?? '?'}`
            : `${answer.reason}${answer.detail ? `: ${answer.detail}` : ''}`,
          signals,
        });
      }
      report.profiles.push(entry);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    console.log(
      `Adapter   ${report.version ?? '?'} at ${report.adapter}, protocol ${report.protocol ?? '?'}, ${report.batteryV ?? '?'} V`,
    );
    console.log(`VIN       ${report.vin ?? '(not answered: is the car on?)'}`);
    console.log(`Mode 01   ${report.standardPids.join(' ') || '(none answered)'}`);
    for (const profile of report.profiles) {
      const answered = profile.requests.filter((r) => r.ok).length;
      console.log(
        `\n${profile.chosen ? '* ' : '  '}${profile.id}: ${answered}/${profile.requests.length} requests answered`,
      );
      for (const r of profile.requests) {
        console.log(`    ${r.ok ? 'ok ' : '-- '}${r.id.padEnd(10)} ${r.detail}`);
        for (const [name, value] of Object.entries(r.signals)) console.log(`         ${name}: ${String(value)}`);
      }
    }
  } finally {
    await elm.close();
  }
}

async function emulate(options: { port: number; profile: string }): Promise<void> {
  const profile = chosenProfile({ profile: options.profile })!;
  const modelId = profile.models[0]!.id;
  const model = getModelById(modelId);
  const variant = model.variants.find((v) => v.yearTo >= profile.models[0]!.yearFrom) ?? model.variants[0]!;
  const car = new ScriptedVehicle({
    model,
    variant,
    startMs: Date.now(),
    socPct: 55,
    script: [
      { kind: 'park', minutes: 1 },
      { kind: 'drive', km: 6 },
      { kind: 'park', minutes: 2 },
      { kind: 'charge', level: 'L2', kw: 7.2, untilSocPct: 60, pluggedMinutesAfter: 5 },
    ],
  });
  const emulator = new Elm327Emulator({ vehicle: car, profile });
  let url: string;
  try {
    url = await emulator.start(options.port);
  } catch (error) {
    throw new AppError('unavailable', `Cannot listen on 127.0.0.1:${options.port}: ${(error as Error).message}`);
  }
  console.log(`An emulated ELM327 in a ${model.make} ${model.model} (profile ${profile.id}) listens at ${url}.`);
  console.log('It parks a minute, drives 6 km, charges at Level 2, then sleeps. Ctrl+C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.stop();
}

/** Adds `agent` (run, scan, emulate) to the program. */
export function addAgentCommand(program: Command): void {
  const agent = program
    .command('agent')
    .description('The edge agent: a C2 built from an ELM327 OBD-II adapter (docs/edge-agent.md).');

  withVehicle(
    withLink(
      agent
        .command('run', { isDefault: true })
        .description(
          'Read the car and upload like a C2 (the default: `smartcharge agent --adapter … --server … --device …`).',
        ),
    ),
  )
    .option('--server <url>', 'the SmartCharge server (http(s)://…) or its MQTT broker (mqtt://…)')
    .option('--device <serial>', 'the device serial provisioned for this agent')
    .option('--secret-file <file>', `file holding the device secret (else ${AGENT_ENV.secret})`)
    .option('--journal <dir>', `folder for records not yet acknowledged (${AGENT_ENV.dir}, default ./agent-data)`)
    .option(
      '--journal-max-mb <n>',
      'most space the journal takes: beyond it the oldest unsent records are dropped',
      positiveInt,
      DEFAULT_JOURNAL_MAX_BYTES / (1024 * 1024),
    )
    .option(
      '--gps <source>',
      'gpsd://127.0.0.1:2947, nmea:/dev/ttyACM0 or nmea+tcp://host:port (used only while plugged in)',
    )
    .option('--dry-run', 'print the decoded signals; store and send nothing')
    .option('--json', 'with --dry-run: one JSON line per reading')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  smartcharge agent --adapter tcp://192.168.0.10:35000 --server https://smartcharge.example.org --device C2-000123 --secret-file /etc/smartcharge/secret\n' +
        '  smartcharge agent --adapter /dev/ttyUSB0 --profile chevrolet-bolt-spark --dry-run\n',
    )
    .action(async (options: RunOptions) => runAgent(options));

  withVehicle(
    withLink(agent.command('scan').description('List what the car answers: VIN, standard PIDs, each profile request.')),
  )
    .option('--json', 'print the report as JSON')
    .action(async (options: LinkOptions & VehicleOptions & { json?: boolean }) => scan(options));

  agent
    .command('emulate')
    .description('Serve an emulated ELM327 in a simulated car on 127.0.0.1, to try the agent without a car.')
    .option('--profile <id>', 'the car to emulate', 'hyundai-kia-64kwh')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', (v) => (v === '0' ? 0 : positiveInt(v)), 35000)
    .action(async (options: { port: number; profile: string }) => emulate(options));
}
