/**
 * /api/v1/admin — the operator API (devices, vehicles, raw telemetry), behind a bearer token.
 * The CLI uses it when a server already holds the embedded database. Handlers parse input,
 * call one service function and shape the answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import {
  DEVICE_STATUSES,
  ZProvisionDeviceSchema,
  ZRotateCredentialSchema,
  ZSetStatusSchema,
} from '../devices/index.js';
import { AppError } from '../errors.js';
import type { MigrationReport } from '../db/migrate.js';
import type { Services } from '../services.js';
import { PRESET_IDS, ZCreateProgramSchema } from '../programs/index.js';
import { ZCreateVehicleSchema } from '../vehicles/index.js';
import { parseInput } from '../validation.js';
import { operatorTokenMatcher } from './session-auth.js';

const OPERATOR_VIA_TOKEN: Actor = { kind: 'operator', via: 'token' };
/** Most records one telemetry request returns. */
export const TELEMETRY_PAGE_LIMIT = 200_000;

const ZSerialParams = z.object({ serial: z.string().min(1) });
const ZPage = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const ZDeviceList = ZPage.extend({ status: z.enum(DEVICE_STATUSES).optional() });
const ZAssign = z.strictObject({ vehicleId: z.number().int().positive().nullable() });
const ZRevoke = z.strictObject({ note: z.string().trim().max(500).optional() });
const ZVehicleParams = z.object({ id: z.coerce.number().int().positive() });
const ZProgramParams = z.object({ program: z.string().min(1) });
const ZItemsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});
const ZDaysQuery = z.object({ from: z.iso.date(), to: z.iso.date() });
const ZPresetBody = z.strictObject({ preset: z.enum(PRESET_IDS) });
const ZRebuild = z.strictObject({
  vehicleId: z.number().int().positive().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
});
const ZTelemetryQuery = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});

export function adminRoutes(services: Services, options: { token: string; migrations: MigrationReport }) {
  const isOperatorToken = operatorTokenMatcher(options.token);
  const authorize = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !isOperatorToken(match[1].trim())) {
      throw new AppError(
        'unauthenticated',
        'The operator API needs "Authorization: Bearer <token>" with the operator token.',
      );
    }
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', authorize);
    const actor = OPERATOR_VIA_TOKEN;
    const serialOf = (request: FastifyRequest) => parseInput(ZSerialParams, request.params).serial;

    app.get('/migrations', async () => options.migrations);

    app.get('/devices', async (request) => {
      const query = parseInput(ZDeviceList, request.query);
      return {
        devices: await services.devices.listDevices(actor, {
          ...(query.status ? { status: query.status } : {}),
          ...(query.after === undefined ? {} : { afterId: query.after }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      };
    });
    app.post('/devices', async (request, reply) => {
      const issued = await services.devices.provisionDevice(actor, parseInput(ZProvisionDeviceSchema, request.body));
      return reply.code(201).send(issued);
    });
    app.get('/devices/:serial', async (request) => services.devices.getDevice(actor, serialOf(request)));
    app.post('/devices/:serial/revoke', async (request) => {
      const { note } = parseInput(ZRevoke, request.body ?? {});
      return services.devices.revokeCredential(actor, serialOf(request), note);
    });
    app.post('/devices/:serial/rotate', async (request) =>
      services.devices.rotateCredential(
        actor,
        serialOf(request),
        parseInput(ZRotateCredentialSchema, request.body ?? {}),
      ),
    );
    app.post('/devices/:serial/status', async (request) =>
      services.devices.setStatus(actor, serialOf(request), parseInput(ZSetStatusSchema, request.body)),
    );
    app.put('/devices/:serial/vehicle', async (request) => {
      const { vehicleId } = parseInput(ZAssign, request.body);
      return services.devices.assignVehicle(actor, serialOf(request), vehicleId);
    });
    app.get('/devices/:serial/telemetry', async (request) => {
      const { from, to } = parseInput(ZTelemetryQuery, request.query);
      const device = await services.devices.getDevice(actor, serialOf(request));
      const records = await services.telemetry.readDeviceRecords(actor, device.id, new Date(from), new Date(to));
      if (records.length > TELEMETRY_PAGE_LIMIT) {
        throw new AppError(
          'invalid_input',
          `The range holds ${records.length} records; ask for at most ${TELEMETRY_PAGE_LIMIT} at a time (a shorter range).`,
        );
      }
      return { device: device.serial, records };
    });

    app.get('/programs', async () => ({ programs: await services.programs.listPrograms(actor) }));
    app.post('/programs', async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      // {"preset": "alectra"} creates a ready-made program (or returns it when it exists).
      if ('preset' in body) {
        const { preset } = parseInput(ZPresetBody, body);
        return reply.code(201).send(await services.programs.ensurePreset(actor, preset));
      }
      return reply.code(201).send(await services.programs.createProgram(actor, parseInput(ZCreateProgramSchema, body)));
    });
    app.get('/programs/:program', async (request) =>
      services.programs.getStaffProgram(actor, parseInput(ZProgramParams, request.params).program),
    );
    app.get('/programs/:program/days', async (request) => {
      const program = await services.programs.getProgram(actor, parseInput(ZProgramParams, request.params).program);
      const query = parseInput(ZDaysQuery, request.query);
      return {
        program: program.slug,
        days: await services.derive.programDays(actor, program.id, query.from, query.to),
      };
    });

    const itemsPage = (request: FastifyRequest) => {
      const query = parseInput(ZItemsQuery, request.query);
      return {
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      };
    };
    const vehicleOf = async (request: FastifyRequest) =>
      (await services.vehicles.getVehicle(actor, parseInput(ZVehicleParams, request.params).id)).id;
    app.get('/vehicles/:id/trips', async (request) => ({
      trips: await services.derive.trips(actor, await vehicleOf(request), itemsPage(request)),
    }));
    app.get('/vehicles/:id/sessions', async (request) => ({
      sessions: await services.derive.sessions(actor, await vehicleOf(request), itemsPage(request)),
    }));
    app.get('/vehicles/:id/battery-health', async (request) => ({
      weeks: await services.derive.health(actor, await vehicleOf(request)),
    }));
    app.get('/vehicles/:id/days', async (request) => {
      const query = parseInput(ZDaysQuery, request.query);
      return { days: await services.derive.days(actor, await vehicleOf(request), query.from, query.to) };
    });
    app.post('/rebuild', async (request) => {
      const body = parseInput(ZRebuild, request.body ?? {});
      const started = performance.now();
      const result = await services.derive.rebuild(actor, {
        ...(body.vehicleId ? { vehicleId: body.vehicleId } : {}),
        ...(body.from ? { from: new Date(body.from) } : {}),
      });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    });

    app.get('/vehicles', async (request) => {
      const query = parseInput(ZPage, request.query);
      return {
        vehicles: await services.vehicles.listVehicles(actor, {
          ...(query.after === undefined ? {} : { afterId: query.after }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      };
    });
    app.post('/vehicles', async (request, reply) => {
      const vehicle = await services.vehicles.createVehicle(actor, parseInput(ZCreateVehicleSchema, request.body));
      return reply.code(201).send(vehicle);
    });
  };
}
