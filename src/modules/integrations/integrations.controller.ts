import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Page, parseSort } from '../../common/http/list-query.js';
import { Problems } from '../../common/http/problem.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Auth } from '../auth/index.js';
import { IntegrationDto, IntegrationFieldsQuery, ListIntegrationsQuery } from './dto/integration.dto.js';
import { isIntegrationName } from './integration-catalog.js';
import { IntegrationsRegistry } from './integrations.registry.js';

@ApiTags('integrations')
@Controller({ path: 'integrations', version: '1' })
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  @Get()
  @Auth('integrations:read')
  @ApiOperation({
    operationId: 'listIntegrations',
    summary: 'Each external service: instances and their health, circuit state, token state, latency and errors',
    description: 'Every external service with its instances, health, circuit and token state, latency and errors.',
  })
  @ApiEnvelope(IntegrationDto, { list: true })
  list(@Query() query: ListIntegrationsQuery): Page<IntegrationDto> {
    const all = this.integrations.describeAll();
    const order = Object.entries(parseSort(query.sort, { name: 'ASC' })) as [keyof IntegrationDto, 'ASC' | 'DESC'][];
    // Four rows: sorted in memory, by each key in turn (the list order as the last tie-breaker).
    all.sort((a, b) => {
      for (const [key, dir] of order) {
        const x = a[key] as string | number;
        const y = b[key] as string | number;
        if (x !== y) return (x < y ? -1 : 1) * (dir === 'ASC' ? 1 : -1);
      }
      return 0;
    });
    return new Page(all.slice(query.offset, query.offset + query.limit), all.length, query.offset, query.limit);
  }

  @Get(':integrationName')
  @Auth('integrations:read')
  @ApiParam({
    name: 'integrationName',
    description: 'payment, email, sms or maps',
    // In the schema: Nest drops a parameter's own example when a schema is given.
    schema: { type: 'string', maxLength: 40, pattern: '^[a-z0-9-]+$', example: 'payment' },
  })
  @ApiOperation({
    operationId: 'getIntegration',
    summary: 'One external service',
    description: 'One external service by name: `payment`, `email`, `sms` or `maps`.',
  })
  @ApiEnvelope(IntegrationDto)
  @ApiProblemResponses(404)
  get(@Param('integrationName') name: string, @Query() _query: IntegrationFieldsQuery): IntegrationDto {
    if (!isIntegrationName(name)) throw Problems.notFound('integration', name);
    return this.integrations.describe(name);
  }
}
