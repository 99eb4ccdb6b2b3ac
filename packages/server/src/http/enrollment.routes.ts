/**
 * /api/v1: one application or participation (decisions, PayPal address, leaving, ledger), the
 * enrolled vehicle's device (ship, installed, removed, Y-cable, change of vehicle), the device
 * inventory staff ship from, shipments, payout batches, the signed-in driver's own things, and the
 * job schedule for operators.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireOperator } from '../actor.js';
import { DEVICE_STATUSES } from '../devices/index.js';
import { AppError } from '../errors.js';
import type { Scheduler } from '../jobs/index.js';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

const ZId = z.object({ id: z.coerce.number().int().positive() });
const ZJob = z.object({ name: z.string().min(1).max(60) });
const ZInventoryQuery = z.object({
  status: z.enum(DEVICE_STATUSES).optional(),
  stock: z.enum(['true', 'false'], 'expected true (only devices in stock) or false').optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const ZLedgerQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function enrollmentRoutes(services: Services, actorOf: ActorResolver, scheduler: () => Scheduler | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    const idOf = (request: FastifyRequest) => parseInput(ZId, request.params).id;
    const signedIn = async (request: FastifyRequest) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return actor;
    };

    app.get('/applications/:id', async (request) =>
      services.enrollment.getApplication(await signedIn(request), idOf(request)),
    );
    app.post('/applications/:id/approve', async (request) =>
      services.enrollment.approve(await signedIn(request), idOf(request), (request.body ?? {}) as never),
    );
    app.post('/applications/:id/decline', async (request) =>
      services.enrollment.decline(await signedIn(request), idOf(request), request.body as never),
    );
    app.post('/applications/:id/withdraw', async (request) =>
      services.enrollment.withdraw(await signedIn(request), idOf(request)),
    );
    app.post('/applications/:id/leave', async (request) =>
      services.enrollment.leave(await signedIn(request), idOf(request), request.body as never),
    );
    app.put('/applications/:id/paypal', async (request) =>
      services.enrollment.setPaypalEmail(await signedIn(request), idOf(request), request.body as never),
    );
    app.get('/applications/:id/ledger', async (request) => {
      const query = parseInput(ZLedgerQuery, request.query);
      return services.rewards.getLedger(await signedIn(request), idOf(request), {
        ...(query.before ? { beforeId: query.before } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      });
    });
    // The rewards page: earned, owed with the next payout's date and method, paid.
    app.get('/applications/:id/rewards', async (request) =>
      services.rewards.getRewards(await signedIn(request), idOf(request)),
    );
    app.post('/applications/:id/adjustments', async (request, reply) =>
      reply
        .code(201)
        .send(await services.rewards.adjust(await signedIn(request), idOf(request), request.body as never)),
    );

    app.post('/enrolled-vehicles/:id/ship', async (request, reply) =>
      reply
        .code(201)
        .send(await services.participation.shipDevice(await signedIn(request), idOf(request), request.body as never)),
    );
    app.post('/enrolled-vehicles/:id/installed', async (request) =>
      services.participation.confirmInstalled(await signedIn(request), idOf(request)),
    );
    app.post('/enrolled-vehicles/:id/removed', async (request) =>
      services.participation.reportRemoved(await signedIn(request), idOf(request), (request.body ?? {}) as never),
    );
    app.post('/enrolled-vehicles/:id/y-cable', async (request, reply) =>
      reply
        .code(201)
        .send(
          await services.participation.requestYCable(
            await signedIn(request),
            idOf(request),
            (request.body ?? {}) as never,
          ),
        ),
    );
    app.post('/enrolled-vehicles/:id/change', async (request) =>
      services.participation.changeVehicle(await signedIn(request), idOf(request), request.body as never),
    );
    app.get('/device-inventory', async (request) => {
      const query = parseInput(ZInventoryQuery, request.query);
      return services.participation.listDeviceInventory(await signedIn(request), {
        ...(query.status ? { status: query.status } : {}),
        ...(query.stock === 'true' ? { inStockOnly: true } : {}),
        ...(query.after === undefined ? {} : { afterId: query.after }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      });
    });
    app.patch('/shipments/:id', async (request) =>
      services.participation.updateShipment(await signedIn(request), idOf(request), request.body as never),
    );

    app.get('/payouts/:id', async (request) => services.payouts.getBatch(await signedIn(request), idOf(request)));
    app.get('/payouts/:id/gift-cards.csv', async (request, reply) => {
      const body = await services.payouts.exportGiftCards(await signedIn(request), idOf(request));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="gift-cards-${idOf(request)}.csv"`)
        .send(body);
    });
    app.post('/payouts/:id/fulfil', async (request) =>
      services.payouts.fulfilGiftCards(await signedIn(request), idOf(request), (request.body ?? {}) as never),
    );

    app.get('/me/applications', async (request) => ({
      applications: await services.enrollment.listMine(await signedIn(request)),
    }));
    app.get('/me/notifications', async (request) => ({
      notifications: await services.notifications.listMine(await signedIn(request)),
    }));
    app.post('/me/notifications/:id/read', async (request, reply) => {
      await services.notifications.markRead(await signedIn(request), idOf(request));
      return reply.code(204).send();
    });

    const jobs = () => {
      const current = scheduler();
      if (!current) throw new AppError('unavailable', 'Scheduled work is off in this process (JOBS=false).');
      return current;
    };
    app.get('/jobs', async (request) => {
      requireOperator(await actorOf(request));
      return { jobs: await jobs().list() };
    });
    app.post('/jobs/:name/run', async (request) => {
      requireOperator(await actorOf(request));
      const { name } = parseInput(ZJob, request.params);
      const scheduler = jobs();
      await scheduler.trigger(name);
      return { results: (await scheduler.runDue()).filter((r) => r.name === name) };
    });
  };
}
