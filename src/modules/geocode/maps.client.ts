import { Injectable } from '@nestjs/common';
import { IsNumber, IsString, Max, MaxLength, Min } from 'class-validator';
import { IntegrationsRegistry } from '../integrations/index.js';
import { UpstreamException } from '../../gateway/index.js';
import { MAPS_INTEGRATION } from './maps.integration.js';

/** The maps service's geocode answer (contract §5). */
export class ProviderGeocode {
  @IsString()
  @MaxLength(500)
  address!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  lng!: number;
}

/** The maps service (API key) through its gateway; lookups go through the cache. */
@Injectable()
export class MapsClient {
  constructor(private readonly integrations: IntegrationsRegistry) {}

  /**
   * `GET /v1/geocode?address=`; `cacheKey` names the answer in the cache (the caller decides
   * which spellings are the same address). Resolves null when the service knows no such address.
   */
  async geocode(
    address: string,
    cacheKey: string,
    requestId?: string,
  ): Promise<{ result: ProviderGeocode; cached: boolean } | null> {
    try {
      const res = await this.integrations.gateway(MAPS_INTEGRATION.name).request({
        method: 'GET',
        path: '/v1/geocode',
        query: { address },
        cacheKey,
        requestId,
        responseType: ProviderGeocode,
      });
      return { result: res.data, cached: res.cached };
    } catch (e) {
      if (e instanceof UpstreamException && e.upstreamStatus === 404) return null;
      throw e;
    }
  }
}
