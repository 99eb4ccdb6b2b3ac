/**
 * POST /api/v1/uplink — a device sends a batch; the answer is the protocol's acknowledgement
 * (200 when stored, 4xx/5xx with the reason and, for record problems, each record and field).
 */
import { UPLINK_HTTP_PATH, UPLINK_MAX_BYTES, parseBasicAuthorization, type UplinkAck } from '@smartcharge/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IngestService } from '../telemetry/index.js';
import { UplinkRejection, toErrorAck } from '../telemetry/index.js';
import { UPLINK_ERROR_STATUS } from './error-handler.js';

function send(reply: FastifyReply, ack: UplinkAck, rejection: UplinkRejection | undefined): FastifyReply {
  if (!rejection) return reply.code(200).send(ack);
  if (rejection.retryAfterS !== undefined) void reply.header('retry-after', String(rejection.retryAfterS));
  if (UPLINK_ERROR_STATUS[rejection.code] === 401)
    void reply.header('www-authenticate', 'Basic realm="smartcharge-uplink"');
  return reply.code(UPLINK_ERROR_STATUS[rejection.code]).send(ack);
}

export function uplinkRoutes(ingest: IngestService) {
  return async (app: FastifyInstance): Promise<void> => {
    // The batch is read by the ingest steps themselves (same code as MQTT); only JSON is taken, so a
    // form or a text/plain body posted by a web page elsewhere never reaches them.
    app.removeAllContentTypeParsers();
    // As text: Fastify decodes the chunks as they arrive (no concatenated copy to convert afterwards).
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: UPLINK_MAX_BYTES },
      (_request, body, done) => {
        done(null, body);
      },
    );

    app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, request, reply) => {
      const rejection =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? new UplinkRejection(
              'batch_too_large',
              `The batch is larger than ${UPLINK_MAX_BYTES} bytes. Send fewer records per batch.`,
            )
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_TYPE'
            ? new UplinkRejection(
                'unsupported_media_type',
                `A batch is JSON: send it with "Content-Type: application/json" (this request said ${
                  request.headers['content-type'] ? JSON.stringify(request.headers['content-type']) : 'no content type'
                }).`,
              )
            : new UplinkRejection('malformed_json', `The request could not be read: ${error.message}`);
      ingest.countRefusal('http', rejection);
      return send(reply, toErrorAck(rejection), rejection);
    });

    app.post(UPLINK_HTTP_PATH, async (request, reply) => {
      const credential = parseBasicAuthorization(request.headers.authorization);
      const body = request.body;
      const result = await ingest.ingest({
        transport: 'http',
        body: typeof body === 'string' ? body : '',
        auth: credential ? { kind: 'credential', credential } : { kind: 'none' },
      });
      return send(reply, result.ack, result.rejection);
    });
  };
}
