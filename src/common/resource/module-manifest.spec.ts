import { Module } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
import { translate } from '../http/i18n.js';
import {
  featureModules,
  FeatureModule,
  registeredApiTags,
  registeredEntities,
  registeredMigrations,
  registeredScopes,
} from './module-manifest.js';

class Widget {}
class CreateWidgets1 {}

@Module({})
class HelperModule {}

@FeatureModule({
  imports: [HelperModule],
  manifest: {
    entities: [Widget],
    migrations: [CreateWidgets1],
    scopes: { 'widgets:read': 'read widgets' },
    apiTags: { widgets: 'The widgets of the shop' },
    messages: {
      en: { problems: { 'widget-jammed': { title: 'Widget jammed', detail: 'Widget {{id}} is jammed' } } },
      ja: {
        problems: { 'widget-jammed': { title: 'ウィジェット故障', detail: 'ウィジェット {{id}} が故障しています' } },
      },
    },
  },
})
class WidgetsModule {}

describe('FeatureModule (a module registers what it owns)', () => {
  it('is registered for the root module, with its entities, migrations, scopes and tags', () => {
    expect(featureModules()).toContain(WidgetsModule);
    expect(registeredEntities('better-sqlite3')).toEqual([Widget]);
    expect(registeredMigrations()).toEqual([CreateWidgets1]);
    expect(registeredScopes()).toEqual({ 'widgets:read': 'read widgets' });
    expect(registeredApiTags()).toEqual({ widgets: 'The widgets of the shop' });
  });

  it('is a Nest module importing TypeORM for its entities besides its own imports', () => {
    const imports = Reflect.getMetadata(MODULE_METADATA.IMPORTS, WidgetsModule) as unknown[];
    expect(imports).toHaveLength(2);
    expect(imports[1]).toBe(HelperModule);
  });

  it('adds its problem texts in English and Japanese to the shared catalogues', () => {
    expect(translate('en', 'problems.widget-jammed.detail', { id: 'w1' })).toBe('Widget w1 is jammed');
    expect(translate('ja', 'problems.widget-jammed.title')).toBe('ウィジェット故障');
    // The shared texts stay.
    expect(translate('ja', 'problems.conflict.title')).toBe('競合');
  });
});
