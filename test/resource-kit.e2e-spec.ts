// The kit end to end with a module declared here as a team would write one: it registers itself (FeatureModule:
// entity, migration, scopes, ja/en texts, nothing edited elsewhere), has a 64-bit integer, an optional unique
// field and a business rule in `beforeWrite`; then the whole conventions suite runs against it.
import { Controller, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Table, type MigrationInterface, type QueryRunner, type Repository } from 'typeorm';
import { idColumn, timestamps } from '../migrations/helpers.js';
import { ProblemException } from '../src/common/http/problem.js';
import { defineResource } from '../src/common/resource/define-resource.js';
import { int, text } from '../src/common/resource/fields.js';
import { FeatureModule } from '../src/common/resource/module-manifest.js';
import { resourceController } from '../src/common/resource/resource.controller.js';
import { ResourceService } from '../src/common/resource/resource.service.js';
import { Auth } from '../src/modules/auth/auth.decorator.js';
import { bearer, expectProblem } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { describeResourceConventions } from './support/resource-conventions.js';

declare module '../src/modules/auth/scopes.js' {
  interface ModuleScopes {
    'widgets:read': true;
    'widgets:write': true;
  }
}

const widgets = defineResource({
  name: 'widget',
  plural: 'widgets',
  fields: {
    label: text({ maxLength: 30, example: 'w-1' }),
    grams: int({ bits: 64, min: 0 }),
    note: text({ maxLength: 200, multiline: true, long: true, optional: true }),
    code: text({ maxLength: 10, unique: true, optional: true, example: 'c-1' }),
  },
});
type Widget = InstanceType<typeof widgets.entity>;

class CreateWidgets1900000000000 implements MigrationInterface {
  name = 'CreateWidgets1900000000000';
  async up(runner: QueryRunner): Promise<void> {
    const columns = [
      { name: 'label', type: 'varchar', length: '30' },
      { name: 'grams', type: 'bigint' },
      { name: 'note', type: 'text', isNullable: true },
      { name: 'code', type: 'varchar', length: '10', isNullable: true },
    ];
    const uniques = [{ name: 'uq_widgets_code', columnNames: ['code'] }];
    await runner.createTable(
      new Table({ name: 'widgets', columns: [idColumn(), ...columns, ...timestamps(runner)], uniques }),
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('widgets');
  }
}

const HEAVY = 1_000_000;

@Injectable()
class WidgetsService extends ResourceService<typeof widgets.fields> {
  constructor(@InjectRepository(widgets.entity) repository: Repository<Widget>) {
    super(repository, widgets);
  }

  // A heavy widget needs a note: checked on the row as it will be stored (after a merge patch too).
  protected override beforeWrite(row: Widget): void {
    if (row.grams >= HEAVY && !row.note)
      throw new ProblemException({ type: 'note-required', status: 422, params: { grams: row.grams } });
  }
}

@Controller({ path: 'widgets', version: '1' })
class WidgetsController extends resourceController(widgets, {
  read: Auth('widgets:read'),
  write: Auth('widgets:write'),
  writeProblems: [422],
}) {
  constructor(service: WidgetsService) {
    super(service);
  }
}

@FeatureModule({
  manifest: {
    entities: [widgets.entity],
    migrations: [CreateWidgets1900000000000],
    scopes: { 'widgets:read': 'read widgets', 'widgets:write': 'write widgets' },
    messages: {
      en: {
        problems: {
          'note-required': { title: 'Unprocessable content', detail: 'A widget of {{grams}} g needs a note' },
        },
      },
      ja: {
        problems: {
          'note-required': { title: '処理できない内容', detail: '{{grams}} g のウィジェットには注記が必要です' },
        },
      },
    },
  },
  controllers: [WidgetsController],
  providers: [WidgetsService],
})
class _WidgetsModule {}

const pad = (i: number) => String(i).padStart(3, '0');

describeResourceConventions({
  path: '/api/v1/widgets',
  idName: 'widgetId',
  scopes: { read: 'widgets:read', write: 'widgets:write' },
  sample: (i) => ({ label: `w-${pad(i)}`, grams: 10 + i, note: `note ${i}\nline 2`, code: `c-${pad(i)}` }),
  sortable: ['label', 'grams', 'code', 'createdAt', 'updatedAt'],
  filters: ['label', 'grams', 'code'],
  unique: ['code'],
  optional: ['note', 'code'],
});

describe('a module on the kit: its own rule, texts and 64-bit integers', () => {
  let t: TestApp;
  let auth: string;
  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
  });
  afterAll(() => t?.close());

  it('beforeWrite refuses on create and on a merge patch that would break the rule (422, in Japanese too)', async () => {
    const heavy = await t.http.post('/api/v1/widgets').set('authorization', auth).send({ label: 'h', grams: HEAVY });
    expect(expectProblem(heavy, 422, 'note-required').detail).toBe('A widget of 1000000 g needs a note');
    const ok = await t.http
      .post('/api/v1/widgets')
      .set('authorization', auth)
      .send({ label: 'h', grams: HEAVY, note: 'crane' });
    const url = `/api/v1/widgets/${(ok.body as { data: { widgetId: string } }).data.widgetId}`;
    const cleared = await t.http
      .patch(url)
      .set('authorization', auth)
      .set('accept-language', 'ja')
      .send({ note: null });
    expect(expectProblem(cleared, 422).detail).toBe('1000000 g のウィジェットには注記が必要です');
    // The refused write changed nothing.
    expect((await t.http.get(url).set('authorization', auth).expect(200)).body.data.note).toBe('crane');
  });

  it('a 64-bit integer round-trips beyond 32 bits; beyond the safe range it is a 400, not a 500', async () => {
    const big = Number.MAX_SAFE_INTEGER;
    const res = await t.http
      .post('/api/v1/widgets')
      .set('authorization', auth)
      .send({ label: 'big', grams: big, note: 'n' });
    expect(res.status).toBe(201);
    const url = `/api/v1/widgets/${(res.body as { data: { widgetId: string } }).data.widgetId}`;
    expect((await t.http.get(url).set('authorization', auth).expect(200)).body.data.grams).toBe(big);
    const list = await t.http.get(`/api/v1/widgets?grams=${big}`).set('authorization', auth).expect(200);
    expect(list.body.total).toBe(1);
    expectProblem(await t.http.get(`/api/v1/widgets?grams=${big}0`).set('authorization', auth), 400);
  });

  it('the module added its scopes and its 422 to the document without touching shared files', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } } };
    };
    expect(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes['widgets:write']).toBe('write widgets');
    expect(Object.keys(doc.paths['/api/v1/widgets/{widgetId}'].patch.responses)).toContain('422');
    expect(doc.paths['/api/v1/widgets/{widgetId}'].patch.responses).toHaveProperty('409');
  });
});
