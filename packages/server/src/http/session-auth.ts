/**
 * Who is calling, from the request: the operator token, or a session token (as a bearer token,
 * or the web app's HttpOnly cookie). No credential means the public. A credential that does not
 * work is an error, not the public: a client with an expired session should sign in again.
 */
import type {} from '@fastify/cookie';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/index.js';
import { PUBLIC, type Actor } from '../actor.js';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'sc_session';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A constant-time check of a presented token against the operator token (hashes make lengths equal). */
export function operatorTokenMatcher(operatorToken: string): (presented: string) => boolean {
  const expected = digest(operatorToken);
  return (presented) => timingSafeEqual(digest(presented), expected);
}

export type ActorResolver = (request: FastifyRequest) => Promise<Actor>;

export function createActorResolver(accounts: AccountService, operatorToken: string): ActorResolver {
  const isOperatorToken = operatorTokenMatcher(operatorToken);
  return async (request) => {
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : undefined;
    if (header && !bearer) throw new AppError('unauthenticated', 'Send "Authorization: Bearer <token>".');
    const token = bearer ?? request.cookies[SESSION_COOKIE];
    if (!token) return PUBLIC;
    if (bearer && isOperatorToken(bearer)) return { kind: 'operator', via: 'token' };
    const found = await accounts.authenticate(token);
    if (!found) throw new AppError('unauthenticated', 'Your session has ended or is not valid: sign in again.');
    return found.actor;
  };
}

export function requireSignedIn(actor: Actor): void {
  if (actor.kind === 'public') throw new AppError('unauthenticated', 'Sign in first.');
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
