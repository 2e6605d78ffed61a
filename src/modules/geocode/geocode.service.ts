import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ProblemException } from '../../common/http/problem.js';
import { MapsClient } from './maps.client.js';
import type { GeocodeDto } from './dto/geocode.dto.js';

/**
 * One spelling per address for the cache: Unicode NFKC (full-width letters and digits, the
 * ideographic space), surrounding and repeated whitespace, case.
 */
export function normaliseAddress(address: string): string {
  return address.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The guide's verb exception: computed through the maps service, never stored (only cached). */
@Injectable()
export class GeocodeService {
  constructor(private readonly maps: MapsClient) {}

  async geocode(address: string, requestId?: string): Promise<GeocodeDto> {
    const query = normaliseAddress(address);
    // Hashed, so cache keys (Redis key names) carry no address.
    const cacheKey = `geocode:${createHash('sha256').update(query).digest('base64url')}`;
    const found = await this.maps.geocode(query, cacheKey, requestId);
    if (!found)
      throw new ProblemException({ type: 'address-not-found', status: 404, extensions: { integration: 'maps' } });
    return { query, address: found.result.address, lat: found.result.lat, lng: found.result.lng };
  }
}
