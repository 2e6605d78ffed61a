import { RequestId } from '../../common/http/request-id.decorator.js';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Problems } from '../../common/http/problem.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Auth } from '../auth/index.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { MAPS_INTEGRATION } from './maps.integration.js';
import { GeocodeDto, GeocodeQuery } from './dto/geocode.dto.js';
import { GeocodeService } from './geocode.service.js';

@ApiTags('integrations')
@Controller({ path: 'geocode', version: '1' })
export class GeocodeController {
  constructor(private readonly geocoder: GeocodeService) {}

  @Get()
  @Auth('integrations:read')
  @ApiOperation({
    operationId: 'geocode',
    summary: 'Coordinates of an address, through the maps service (cached by normalised address)',
    description:
      'Latitude and longitude of an address, from the maps service (404 when it knows none). The example ' +
      '`東京駅` is known to the development sandbox.',
  })
  @ApiEnvelope(GeocodeDto)
  @ApiProblemResponses(404)
  @ApiUpstreamProblems(MAPS_INTEGRATION.name)
  geocode(@Query() query: GeocodeQuery, @RequestId() requestId: string): Promise<GeocodeDto> {
    // The validation pipe skips an empty query string (every other query DTO is all optional).
    if (query.address === undefined) {
      throw Problems.badRequest('address should not be empty', [
        { field: 'address', message: 'address should not be empty', code: 'isNotEmpty' },
      ]);
    }
    return this.geocoder.geocode(query.address, requestId);
  }
}
