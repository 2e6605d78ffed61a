// `npm run generate -- resource <plural> --fields "..."`: a resource module on the kit (src/common/resource).
// A plain script rather than a Nest schematic: schematics need @angular-devkit/schematics and a CommonJS
// collection built apart, while this runs the repository's own TypeScript (test/support/ts-loader.mjs), is
// unit-tested with Jest like the rest, and adds no dependency.
// Everything is computed and checked first (scripts/generator/plan.ts): a bad argument writes nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from './generator/field-spec.js';
import { plan, USAGE } from './generator/plan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

try {
  const p = await plan(process.argv.slice(2), root);
  for (const [path, content] of p.files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
    console.log(`created ${path}`);
  }
  writeFileSync(join(root, 'src/app.module.ts'), p.appModule);
  console.log(`updated src/app.module.ts (one import line)`);
  if (p.regenerateClient) {
    // The typed client's types follow the served document, which now has the new operations.
    execFileSync(
      process.execPath,
      ['--import', './test/support/ts-loader.mjs', '--no-warnings', 'scripts/openapi-client.ts'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  }
  console.log(`\n${p.plural}: done. Business rules go in src/modules/${p.plural}/${p.plural}.service.ts.`);
} catch (error) {
  if (!(error instanceof SpecError)) throw error;
  console.error(`generate: ${error.message}\n\n${USAGE}\n\nnothing was written.`);
  process.exitCode = 2;
}
