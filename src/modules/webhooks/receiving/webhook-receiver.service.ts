import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { sendProblem } from '../../../common/http/problem.filter.js';
import type { AppConfig, WebhookSourceConfig } from '../../../config/app.config.js';
import { dispatchOrLeaveToSweeper } from '../dispatch/dispatch.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from '../dispatch/webhook-queue.js';
import type { IntakeRejectReason, WebhookDelivery, WebhookRequest } from './webhook-intake.js';
import { createVerifier, type VerifyFailureReason, type WebhookVerifier } from './verifiers/index.js';
import { WebhookHandlerRegistry } from '../handlers/webhook-handler.registry.js';
import { WebhookInbox } from '../inbox/webhook-inbox.service.js';
import { UNKNOWN_SOURCE_LABEL, WebhookMetrics } from '../webhook-metrics.js';
import { envelopeJson, responseMetadata } from '../../../common/http/rest-response.js';

/**
 * Delivery headers stored with the event: the ids, timestamps and event names the schemes define, and
 * what identifies the sender's software. Signatures are not kept (the body is stored byte-exact; the
 * signature was checked on arrival).
 */
export const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'x-github-delivery',
  'x-github-event',
  'x-github-hook-id',
  'x-github-hook-installation-target-id',
  'x-github-hook-installation-target-type',
] as const;

const HEADER_VALUE_MAX = 1024;

/** The 401 tells the sender nothing about which check failed; logs and metrics do. */
const UNAUTHENTIC_DETAIL = 'The webhook signature could not be verified';

function keptHeaders(headers: WebhookRequest['headers']): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (typeof text === 'string' && text !== '') kept[name] = text.slice(0, HEADER_VALUE_MAX);
  }
  return kept;
}

/**
 * `POST /api/v1/webhooks/{source}` after the intake's gate (404 / 403 / 413): signature → 401, payload →
 * 400, durable insert → 200 (or 200 duplicate), storage failure → 503; dispatch only after the commit.
 */
@Injectable()
export class WebhookReceiverService {
  private readonly logger = new Logger('Webhooks');
  private readonly verifiers = new Map<string, WebhookVerifier>();

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly inbox: WebhookInbox,
    private readonly metrics: WebhookMetrics,
    private readonly handlers: WebhookHandlerRegistry,
    @Inject(WEBHOOK_QUEUE) private readonly queue: WebhookQueue,
  ) {
    const { sources, toleranceS } = config.get('webhooks', { infer: true });
    // A secret that cannot be a key of its scheme fails the start-up here.
    for (const source of Object.values(sources))
      this.verifiers.set(source.name, createVerifier(source, { toleranceS }));
  }

  /** The intake refused a delivery before reading it (unknown source, address, size). */
  rejected(reason: IntakeRejectReason, source: WebhookSourceConfig | undefined): void {
    this.metrics.reject(source?.name ?? UNKNOWN_SOURCE_LABEL, reason);
  }

  async receive({ source, body }: WebhookDelivery, request: WebhookRequest, reply: FastifyReply): Promise<void> {
    const verifier = this.verifiers.get(source.name);
    if (!verifier) throw new Error(`no verifier for webhook source ${source.name}`);
    const result = verifier.verify(request.headers, body);
    if (!result.ok) {
      this.refuse(source, result.reason, request, reply);
      return;
    }

    // A type no handler takes is stored already finished (`ignored`): nothing to dispatch. A replay runs it
    // through the worker, which will find a handler deployed since.
    const handled = this.handlers.get(source.name, result.type) !== undefined;
    let stored: { eventId: string; duplicate: boolean };
    try {
      stored = await this.inbox.insert({
        status: handled ? 'pending' : 'ignored',
        source: source.name,
        externalEventId: result.eventId,
        type: result.type,
        body,
        headers: keptHeaders(request.headers),
        signedAt: result.timestamp === undefined ? undefined : new Date(result.timestamp * 1000),
      });
    } catch (error) {
      // Never 2xx (the sender would drop the event) nor 4xx (it would not retry).
      this.logger.error(
        { err: error, requestId: request.id, source: source.name },
        `webhook from ${source.name} not stored`,
      );
      sendProblem(reply, request, {
        type: 'service-unavailable',
        status: 503,
        detail: 'The event could not be stored; deliver it again later',
        headers: { 'retry-after': '5' },
      });
      return;
    }

    this.metrics.received.inc({ source: source.name });
    if (stored.duplicate) this.metrics.duplicates.inc({ source: source.name });
    else if (!handled) this.metrics.processed.inc({ source: source.name, type: result.type, outcome: 'ignored' });
    reply
      .code(200)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(envelopeJson(JSON.stringify(stored), responseMetadata(request.id)));
    if (handled && !stored.duplicate) {
      // After the commit and the answer; a lost dispatch is found again by the sweeper.
      void dispatchOrLeaveToSweeper(this.queue, this.logger, `webhook event ${stored.eventId}`, stored.eventId);
    }
  }

  /** 400 for an authentic body that is not an event, otherwise one 401 whatever failed (logs and metrics tell). */
  private refuse(
    source: WebhookSourceConfig,
    reason: VerifyFailureReason,
    request: WebhookRequest,
    reply: FastifyReply,
  ): void {
    this.metrics.reject(source.name, reason);
    this.logger.warn(
      { source: source.name, reason, requestId: request.id, ip: request.ip },
      `webhook from ${source.name} refused: ${reason}`,
    );
    if (reason === 'payload') {
      sendProblem(reply, request, {
        type: 'bad-request',
        status: 400,
        detail: 'The webhook body is authentic but not an event this source sends (JSON with an id and a type)',
      });
      return;
    }
    sendProblem(reply, request, {
      type: 'unauthorized',
      status: 401,
      detail: UNAUTHENTIC_DETAIL,
      headers: { 'www-authenticate': `Signature realm="${source.name}"` },
    });
  }
}
