import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The bench scripts are plain JavaScript run against the build (`dist/`), outside the typecheck and
// every test: a module moved in src/ broke the webhook suite once without anything failing. Each
// import of `../../dist/src/<path>.js` must name a source file that exists (`src/<path>.ts`).
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const DIST_IMPORT = /from '\.\.\/\.\.\/dist\/(src\/[^']+)\.js'/g;

describe('bench scripts', () => {
  const scripts = readdirSync(here).filter((f) => f.endsWith('.js'));

  it('import only build modules whose sources exist', () => {
    const missing: string[] = [];
    let imports = 0;
    for (const script of scripts) {
      for (const [, path] of readFileSync(join(here, script), 'utf8').matchAll(DIST_IMPORT)) {
        imports++;
        if (!existsSync(join(root, `${path}.ts`))) missing.push(`${script}: ${path}.ts`);
      }
    }
    expect(imports).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
