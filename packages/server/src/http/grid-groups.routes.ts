/**
 * /api/v1 for the distribution grid (program administrators of the utility, operators): upload the
 * program's feeders and transformers (GeoJSON or CSV, replacing what was there), list them, and read
 * each group's coincident peak against its rating.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { DistributionService } from '../grid/distribution.js';
import { GRID_UPLOAD_MAX_BYTES } from '../grid/distribution.schema.js';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

const ZSlug = z.object({ slug: z.string().min(1).max(63) });
const ZDaysQuery = z.object({ from: z.iso.date(), to: z.iso.date() });

export function gridGroupsRoutes(services: Pick<Services, 'db' | 'programs'>, actorOf: ActorResolver) {
  const distribution = new DistributionService(services.db, services.programs);
  return async (app: FastifyInstance): Promise<void> => {
    // Scoped to this plugin: a CSV (or a GeoJSON sent as such) arrives as text for the service to parse,
    // so every error names its line or feature rather than Fastify's parser position.
    app.addContentTypeParser(
      ['text/csv', 'application/geo+json'],
      { parseAs: 'string', bodyLimit: GRID_UPLOAD_MAX_BYTES },
      (_request, body, done) => done(null, body),
    );
    const signedIn = async (request: FastifyRequest) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return actor;
    };

    app.put('/programs/:slug/grid/groups', { bodyLimit: GRID_UPLOAD_MAX_BYTES }, async (request) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format =
        type === 'text/csv'
          ? 'csv'
          : type === 'application/json' || type === 'application/geo+json'
            ? 'geojson'
            : undefined;
      if (!format) {
        throw new AppError(
          'invalid_input',
          'Send the groups as GeoJSON (Content-Type: application/json) or as CSV (Content-Type: text/csv).',
        );
      }
      return distribution.replaceGroups(
        await signedIn(request),
        parseInput(ZSlug, request.params).slug,
        request.body,
        format,
      );
    });
    app.get('/programs/:slug/grid/groups', async (request) =>
      distribution.listGroups(await signedIn(request), parseInput(ZSlug, request.params).slug),
    );
    app.get('/programs/:slug/grid/distribution', async (request) => {
      const query = parseInput(ZDaysQuery, request.query);
      return distribution.distribution(
        await signedIn(request),
        parseInput(ZSlug, request.params).slug,
        query.from,
        query.to,
      );
    });
  };
}
