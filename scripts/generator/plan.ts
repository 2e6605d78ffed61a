// What `npm run generate` would write, computed (and checked) in full before anything is written.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { parseFields, singularOf, SpecError } from './field-spec.js';
import * as t from './templates.js';

export const USAGE = `usage: npm run generate -- resource <plural> --fields "<field> <field> ..." [--singular <name>] [--no-client]
  e.g. npm run generate -- resource products --fields "name:string(100) priceYen:int(min=0) sku:string(40,unique) description?:text"
  field: name[?]:type[(args)]; types: string(N) text[(N)] email[(N)] int long; args: N, min=, max=, unique`;

/** The marker in src/app.module.ts after which feature module imports go (one line per module). */
export const MARKER = '// Feature modules register themselves (FeatureModule): one import line each.';

export interface Plan {
  plural: string;
  /** Repository-relative path → content (formatted). */
  files: Map<string, string>;
  /** The new src/app.module.ts (one line added). */
  appModule: string;
  regenerateClient: boolean;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new SpecError(`${name} needs a value`);
  return value;
}

export async function plan(args: string[], root: string, timestamp = Date.now()): Promise<Plan> {
  const [kind, plural, ...rest] = args;
  if (kind !== 'resource') throw new SpecError(`unknown generator "${kind ?? ''}" (only "resource")`);
  if (!plural || !/^[a-z][a-z0-9]{1,39}$/.test(plural)) {
    throw new SpecError(
      `the resource name "${plural ?? ''}" must be a plural in lower case letters/digits, e.g. products`,
    );
  }
  const known = new Set(['--fields', '--singular', '--no-client']);
  for (const [i, a] of rest.entries()) {
    const isValue = i > 0 && (rest[i - 1] === '--fields' || rest[i - 1] === '--singular');
    if (!isValue && !known.has(a)) throw new SpecError(`unknown argument "${a}"`);
  }
  const fieldsText = option(rest, '--fields');
  if (fieldsText === undefined) throw new SpecError('--fields is required');
  const singular = option(rest, '--singular') ?? singularOf(plural);
  if (!singular || !/^[a-z][a-z0-9]{0,39}$/.test(singular) || singular === plural) {
    throw new SpecError(`cannot tell the singular of "${plural}": give --singular <name>`);
  }
  const fields = parseFields(fieldsText, singular);
  const folder = `src/modules/${plural}`;
  if (existsSync(join(root, folder))) throw new SpecError(`${folder} already exists`);
  const appModulePath = join(root, 'src/app.module.ts');
  const appModule = readFileSync(appModulePath, 'utf8');
  if (!appModule.includes(MARKER)) throw new SpecError(`src/app.module.ts lacks the line "${MARKER}"`);

  const n = t.namesOf(plural, singular, timestamp);
  const sources: [string, string][] = [
    [`${folder}/${plural}.resource.ts`, t.resourceFile(n, fields)],
    [`${folder}/${plural}.scopes.ts`, t.scopesFile(n)],
    [`${folder}/${plural}.service.ts`, t.serviceFile(n)],
    [`${folder}/${plural}.controller.ts`, t.controllerFile(n)],
    [`${folder}/${plural}.module.ts`, t.moduleFile(n)],
    [`${folder}/migrations/${timestamp}-create-${plural}.ts`, t.migrationFile(n, fields)],
    [`${folder}/${plural}.samples.ts`, t.samplesFile(n, fields)],
    [`${folder}/${plural}.resource.spec.ts`, t.unitSpecFile(n, fields)],
    [`${folder}/${plural}.e2e-spec.ts`, t.e2eSpecFile(n, fields)],
  ];
  const config = (await prettier.resolveConfig(appModulePath)) ?? {};
  const files = new Map<string, string>();
  for (const [path, source] of sources) {
    files.set(path, await prettier.format(source, { ...config, filepath: join(root, path) }));
  }
  const line = `import './modules/${plural}/${plural}.module.js';`;
  return {
    plural,
    files,
    appModule: appModule.replace(MARKER, `${MARKER}\n${line}`),
    regenerateClient: !rest.includes('--no-client'),
  };
}
