/**
 * Calls to the server's JSON API from end-to-end tests: method, route under /api/v1, an optional
 * bearer token (a session or the operator token) and an optional JSON body. The answer keeps the
 * status, the text and its content type; JSON answers are parsed.
 */

/** What a refused call answers. */
export interface ApiErrorBody {
  readonly error?: {
    readonly code: string;
    readonly message: string;
    readonly details?: readonly { readonly field: string; readonly message: string }[];
  };
}

export interface Answer<T = Record<string, unknown> & ApiErrorBody> {
  readonly status: number;
  readonly text: string;
  readonly type: string;
  /** The parsed JSON answer ({} when the answer is not JSON), as the test expects it. */
  readonly body: T;
}

export type ApiCall = <T = Record<string, unknown> & ApiErrorBody>(
  method: string,
  route: string,
  token?: string,
  body?: unknown,
) => Promise<Answer<T>>;

/** A caller for the server at `baseUrl()` (read on each call: servers start in beforeAll). */
export function apiCaller(baseUrl: () => string): ApiCall {
  return async <T>(method: string, route: string, token?: string, body?: unknown): Promise<Answer<T>> => {
    const response = await fetch(`${baseUrl()}/api/v1${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const json = text !== '' && type.startsWith('application/json');
    return { status: response.status, text, type, body: (json ? JSON.parse(text) : {}) as T };
  };
}
