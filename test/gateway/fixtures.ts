import axios from 'axios';
import { IsNumber, IsString } from 'class-validator';
import { ServiceGateway, type ServiceGatewayOptions } from '../../src/gateway/index.js';

/** The seed's schedule scaled down (base 30 ms), no jitter so gaps can be measured. */
export const FAST_POLICY = {
  retryBaseDelayMs: 30,
  retryMax: 3,
  jitter: 0,
  connectTimeoutMs: 300,
  readTimeoutMs: 2000,
  totalTimeoutMs: 5000,
  healthCheckIntervalMs: 0,
};

/** Breakers that stay out of the way of tests about something else. */
export const LENIENT_BREAKERS = {
  instance: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
  service: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
};

/** The maps service's answer. */
export class GeocodeDto {
  @IsString() address!: string;
  @IsNumber() lat!: number;
  @IsNumber() lng!: number;
}

export const TOKYO = { address: 'Tokyo', lat: 35.68, lng: 139.76 };

const open: ServiceGateway[] = [];

export function makeGateway(
  urls: string[],
  extra: Partial<Omit<ServiceGatewayOptions, 'policy'>> & { policy?: Partial<typeof FAST_POLICY> } = {},
): ServiceGateway {
  const gateway = new ServiceGateway({
    name: 'maps',
    urls,
    http: axios.create(),
    breakers: LENIENT_BREAKERS,
    retryBudget: { minPerSecond: 1000 },
    ...extra,
    policy: { ...FAST_POLICY, ...extra.policy },
  });
  open.push(gateway);
  return gateway;
}

export function closeGateways(): void {
  for (const g of open.splice(0)) g.close();
}

/** Runs `fn`, returning what it threw (failing the test if it did not throw). */
export async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}
