import type { AxiosInstance } from 'axios';
import type { Registry } from 'prom-client';
import type { AppConfig, ExternalServiceConfig } from '../../config/app.config.js';
import type {
  AuthStrategy,
  GatewayLogger,
  GatewayPolicyConfig,
  KeepAliveAgents,
  TokenStore,
} from '../../gateway/index.js';

export type Integrations = AppConfig['integrations'];

/** What an integration's auth is built from (one gateway's share of the module's dependencies). */
export interface IntegrationContext {
  /** The integration's own axios instance (`HttpService.axiosRef`). */
  http: AxiosInstance;
  agents: KeepAliveAgents;
  tokenStore: TokenStore;
  policy: GatewayPolicyConfig;
  registry?: Registry;
  logger?: GatewayLogger;
}

/** An external service, declared in the folder of the feature that calls it (`<name>.integration.ts`). */
export interface IntegrationDefinition<S extends ExternalServiceConfig> {
  /** Path segment of `/api/v1/integrations/{name}`, metric label, `extensions.integration` of problems. */
  name: string;
  /**
   * Where it stands in every list (/status, /debug, the API document's enums). Import order varies
   * (a test may load one feature before another), so the order is declared, not inferred.
   */
  position: number;
  /** Its section of the validated configuration. */
  settings: (integrations: Integrations) => S;
  /** Usable once it has instances (the default) and whatever else its credentials need. */
  isConfigured?: (settings: S) => boolean;
  /** How each call authenticates. */
  auth: (settings: S, context: IntegrationContext) => AuthStrategy;
}

/** A definition with its settings type erased, as the module that builds the gateways sees it. */
export interface RegisteredIntegration {
  name: string;
  position: number;
  urls: (integrations: Integrations) => readonly string[];
  isConfigured: (integrations: Integrations) => boolean;
  auth: (integrations: Integrations, context: IntegrationContext) => AuthStrategy;
}

const registered: RegisteredIntegration[] = [];
// Live views: decorators (the API document) capture these objects when their files load, possibly before
// every integration has registered; the document is built later, from the filled-in objects.
const names: string[] = [];
const records: { record: Record<string, unknown>; valueFor: (name: string) => unknown }[] = [];

/** Registers an integration; importing its folder is enough for the gateways, the lists and the document. */
export function defineIntegration<S extends ExternalServiceConfig>(
  definition: IntegrationDefinition<S>,
): IntegrationDefinition<S> {
  // Two folders claiming one name would share a gateway and a metric label: refuse it where it happens.
  if (registered.some((r) => r.name === definition.name)) {
    throw new Error(`integration ${definition.name} is declared twice`);
  }
  const isConfigured = definition.isConfigured ?? ((s: S) => s.urls.length > 0);
  registered.push({
    name: definition.name,
    position: definition.position,
    urls: (integrations) => definition.settings(integrations).urls,
    isConfigured: (integrations) => isConfigured(definition.settings(integrations)),
    auth: (integrations, context) => definition.auth(definition.settings(integrations), context),
  });
  registered.sort((a, b) => a.position - b.position);
  names.splice(0, names.length, ...registered.map((r) => r.name));
  for (const { record, valueFor } of records) fill(record, valueFor);
  return definition;
}

function fill(record: Record<string, unknown>, valueFor: (name: string) => unknown): void {
  for (const key of Object.keys(record)) delete record[key];
  for (const name of names) record[name] = valueFor(name);
}

/** Every registered integration, in list order. */
export const registeredIntegrations = (): readonly RegisteredIntegration[] => registered;

/** The names of the registered integrations, in list order (a live array). */
export const INTEGRATION_NAMES: readonly string[] = names;

export function isIntegrationName(value: string): boolean {
  return names.includes(value);
}

/** `{ [name]: valueFor(name) }` for every integration, kept up to date as integrations register. */
export function perIntegration<T>(valueFor: (name: string) => T): Record<string, T> {
  const record: Record<string, T> = {};
  fill(record, valueFor);
  records.push({ record, valueFor });
  return record;
}
