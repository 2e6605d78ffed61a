import { Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';
import { addMessages, type Messages } from '../http/i18n.js';

/**
 * What a feature module owns outside Nest's own metadata, declared beside it rather than in shared lists:
 * its entities and migrations (the data source collects them), its OAuth scopes (the token endpoint grants
 * and the document lists them), its problem and validation texts in English and Japanese and the descriptions
 * of its OpenAPI tags.
 */
/**
 * An entity whose mapping depends on the database: a column type no one decorator can name for both drivers
 * (blob on SQLite, bytea on PostgreSQL). The data source maps `target` by `schema(type)`; repositories are
 * still injected by `target`.
 */
export interface DriverEntity {
  target: Type;
  schema(type: 'postgres' | 'better-sqlite3'): EntitySchema;
}

export interface ModuleManifest {
  entities?: (Type | DriverEntity)[];
  migrations?: Type[];
  /** Scope → description. Make them type-safe for `@Auth` by augmenting `ModuleScopes` (auth/scopes.ts). */
  scopes?: Record<string, string>;
  messages?: { en: Messages; ja: Messages };
  /** OpenAPI tag → description, for the tags of the module's operations (Swagger UI shows it above them). */
  apiTags?: Record<string, string>;
}

const registered = new Map<Type, ModuleManifest>();

/**
 * `@Module` for a feature module that registers itself: importing its file is enough for the root module
 * (which imports every registered module), the data source and the auth module to see it. So adding a module
 * is one line outside its folder (`import './modules/<name>/<name>.module.js'` in app.module.ts).
 */
export function FeatureModule(metadata: ModuleMetadata & { manifest: ModuleManifest }): ClassDecorator {
  const { manifest, ...moduleMetadata } = metadata;
  if (manifest.messages) {
    addMessages('en', manifest.messages.en);
    addMessages('ja', manifest.messages.ja);
  }
  const entities = (manifest.entities ?? []).map((e) => (typeof e === 'function' ? e : e.target));
  return (target) => {
    Module({
      ...moduleMetadata,
      imports: [
        ...(entities.length > 0 ? [TypeOrmModule.forFeature(entities)] : []),
        ...(moduleMetadata.imports ?? []),
      ],
    })(target);
    registered.set(target as unknown as Type, manifest);
  };
}

/** Every registered feature module, in registration (import) order. */
export const featureModules = (): Type[] => [...registered.keys()];

const collect = <T>(pick: (m: ModuleManifest) => T[] | undefined): T[] => [
  ...new Set([...registered.values()].flatMap((m) => pick(m) ?? [])),
];

/** The entities of the data source for a database type (a DriverEntity as its schema for that type). */
export const registeredEntities = (type: 'postgres' | 'better-sqlite3'): (Type | EntitySchema)[] =>
  collect((m) => m.entities).map((e) => (typeof e === 'function' ? e : e.schema(type)));
export const registeredMigrations = (): Type[] => collect((m) => m.migrations);
export const registeredScopes = (): Record<string, string> =>
  Object.assign({}, ...[...registered.values()].map((m) => m.scopes ?? {})) as Record<string, string>;
export const registeredApiTags = (): Record<string, string> =>
  Object.assign({}, ...[...registered.values()].map((m) => m.apiTags ?? {})) as Record<string, string>;
