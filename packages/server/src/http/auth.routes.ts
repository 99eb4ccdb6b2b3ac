/** /api/v1/auth and /api/v1/accounts: sign-up, sign-in, sign-out, password reset, staff accounts. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACCOUNT_ROLES, type AccountService } from '../accounts/index.js';
import { parseInput } from '../validation.js';
import {
  clearSessionCookie,
  requireSignedIn,
  SESSION_COOKIE,
  setSessionCookie,
  type ActorResolver,
} from './session-auth.js';

const ZAccountsQuery = z.object({
  role: z.enum(ACCOUNT_ROLES).optional(),
  utility: z.string().optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The session token a request carries (bearer token, or the web app's cookie), if any. */
function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.replace(/^Bearer\s+/i, '').trim() ?? request.cookies[SESSION_COOKIE];
}

export function authRoutes(accounts: AccountService, actorOf: ActorResolver, options: { secureCookies: boolean }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/auth/signup', async (request, reply) =>
      reply.code(202).send(await accounts.signUp(request.body as never)),
    );
    app.post('/auth/signin', async (request) => {
      const signedIn = await accounts.signIn(request.body as never, request.ip);
      return signedIn;
    });
    // The web app's variant: the token goes into an HttpOnly cookie instead of the answer.
    app.post('/auth/session', async (request, reply) => {
      const signedIn = await accounts.signIn(request.body as never, request.ip);
      setSessionCookie(reply, signedIn.token, signedIn.expiresAt, options.secureCookies);
      return { account: signedIn.account, expiresAt: signedIn.expiresAt };
    });
    app.post('/auth/signout', async (request, reply) => {
      const token = sessionTokenOf(request);
      if (token) await accounts.signOut(token);
      clearSessionCookie(reply);
      return reply.code(204).send();
    });
    app.post('/auth/password-reset', async (request, reply) =>
      reply.code(202).send(await accounts.requestPasswordReset(request.body as never)),
    );
    app.post('/auth/password-reset/complete', async (request) => accounts.resetPassword(request.body as never));
    app.get('/auth/me', async (request) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return accounts.getMe(actor);
    });
    app.patch('/auth/me/preferences', async (request) =>
      accounts.setPreferences(await actorOf(request), request.body as never),
    );
    app.post('/auth/password', async (request, reply) => {
      const token = sessionTokenOf(request);
      // The session that changes the password stays signed in; every other one ends.
      await accounts.changePassword(await actorOf(request), request.body as never, {
        clientIp: request.ip,
        ...(token ? { sessionToken: token } : {}),
      });
      return reply.code(204).send();
    });

    app.post('/accounts', async (request, reply) =>
      reply.code(201).send(await accounts.createAccount(await actorOf(request), request.body as never)),
    );
    app.get('/accounts', async (request) => {
      const query = parseInput(ZAccountsQuery, request.query);
      return {
        accounts: await accounts.listAccounts(await actorOf(request), {
          ...(query.role ? { role: query.role } : {}),
          ...(query.utility ? { utility: query.utility } : {}),
          ...(query.after === undefined ? {} : { afterId: query.after }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      };
    });
  };
}
