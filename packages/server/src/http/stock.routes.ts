/**
 * /api/v1 device stock for signed-in staff (the web app's stock page): list, add (one serial or a
 * list, secrets shown once), one device's history, an operator moving stock to a program; and
 * staff marking a participant's device installed on the driver's behalf.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DeviceStockService } from '../devices/index.js';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

const ZSerialParams = z.object({ serial: z.string().min(1).max(64) });
const ZId = z.object({ id: z.coerce.number().int().positive() });

export function stockRoutes(services: Services, actorOf: ActorResolver) {
  const stock = new DeviceStockService(services.devices, services.programs);
  return async (app: FastifyInstance): Promise<void> => {
    const signedIn = async (request: FastifyRequest) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return actor;
    };
    const serialOf = (request: FastifyRequest) => parseInput(ZSerialParams, request.params).serial;

    app.get('/device-stock', async (request) => stock.listStock(await signedIn(request)));
    app.post('/device-stock', async (request, reply) =>
      reply.code(201).send(await stock.addToStock(await signedIn(request), (request.body ?? {}) as never)),
    );
    app.get('/device-stock/:serial', async (request) =>
      stock.getStockDevice(await signedIn(request), serialOf(request)),
    );
    app.put('/device-stock/:serial/program', async (request) =>
      stock.assignStock(await signedIn(request), serialOf(request), (request.body ?? {}) as never),
    );
    app.post('/enrolled-vehicles/:id/installed-for-driver', async (request) =>
      services.participation.markInstalledForDriver(
        await signedIn(request),
        parseInput(ZId, request.params).id,
        (request.body ?? {}) as never,
      ),
    );
  };
}
