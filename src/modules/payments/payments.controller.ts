import { RequestId } from '../../common/http/request-id.decorator.js';
import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Page } from '../../common/http/list-query.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Created } from '../../common/http/rest-response.js';
import { Auth } from '../auth/index.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { PAYMENT_INTEGRATION } from './payment.integration.js';
import { ApiReplayedEnvelope, ApiUnprocessableProblem } from './payments.api-docs.js';
import { ClientId } from './client-id.decorator.js';
import { CreatePaymentDto, ListPaymentsQuery, PaymentDto, PaymentFieldsQuery } from './dto/payment.dto.js';
import { PaymentsService } from './payments.service.js';
import { PAYMENT_EXAMPLE } from './dto/payment.dto.js';

const PAYMENT_ID = ApiParam({
  name: 'paymentId',
  description: 'our payment id',
  // In the schema: Nest drops a parameter's own example when a schema is given.
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: PAYMENT_EXAMPLE.paymentId },
});

@ApiTags('payments')
@Controller({ path: 'payments', version: '1' })
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get()
  @Auth('payments:read')
  @ApiOperation({
    operationId: 'listPayments',
    summary: 'List payments (filter by userId and status, sort, page)',
    description: 'A page of payments, optionally filtered by `userId` and `status`, sorted and projected.',
  })
  @ApiEnvelope(PaymentDto, { list: true })
  list(@Query() query: ListPaymentsQuery): Promise<Page<PaymentDto>> {
    return this.payments.list(query);
  }

  @Post()
  @Auth('payments:write')
  @ApiOperation({
    operationId: 'createPayment',
    summary: 'Pay through the payment service (OAuth 2.0); idempotent with Idempotency-Key',
    description: [
      'Calls the payment service and stores the payment as `pending`; the payment webhook settles it later.',
      'With `Idempotency-Key` (scoped to the calling client): the same key and body again answer **200** with the',
      'payment the first request created (`Idempotent-Replayed: true`), even while that request is still running;',
      'the same key with another body is **422**. A request whose upstream call failed can be repeated with its key:',
      'the payment service sees the same key again, so it never pays twice.',
    ].join(' '),
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'unique per intended payment (e.g. a UUID); 1-255 visible ASCII characters',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
  })
  @ApiEnvelope(PaymentDto, { status: 201, description: 'the payment, created at the payment service' })
  @ApiReplayedEnvelope(PaymentDto)
  @ApiUnprocessableProblem('the user does not exist, or the Idempotency-Key was used with another body')
  @ApiProblemResponses(413, 415)
  @ApiUpstreamProblems(PAYMENT_INTEGRATION.name)
  async create(
    @Body() body: CreatePaymentDto,
    @ClientId() clientId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @RequestId() requestId: string,
    // The name of the @ApiHeader above, so the document has one optional parameter, not a second required one.
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ): Promise<Created<PaymentDto> | PaymentDto> {
    const { payment, replayed } = await this.payments.create(body, { clientId, idempotencyKey, requestId });
    const location = `/api/v1/payments/${payment.paymentId}`;
    if (!replayed) return new Created(payment, location);
    reply.code(200).header('idempotent-replayed', 'true').header('content-location', location);
    return payment;
  }

  @Get(':paymentId')
  @Auth('payments:read')
  @PAYMENT_ID
  @ApiOperation({
    operationId: 'getPayment',
    summary: 'Get one payment',
    description: 'One payment by id: `pending` until the payment service’s webhook settles it.',
  })
  @ApiEnvelope(PaymentDto)
  @ApiProblemResponses(404)
  get(@Param('paymentId') id: string, @Query() _query: PaymentFieldsQuery): Promise<PaymentDto> {
    return this.payments.get(id);
  }
}
