import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { envSchema } from '../src/config/env.schema.js';

// The documents a newcomer reads must not drift from the code: every variable of the schema is in
// .env.example and docs/configuration.md, every npm command the docs name exists, every local link
// resolves, and the README stays a front page inside the repository.
const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));

describe('documentation drift', () => {
  const variables = Object.keys(envSchema.shape);

  it('lists every variable of the env schema in .env.example', () => {
    const example = new Set(
      read('.env.example')
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
        .filter(Boolean),
    );
    expect(variables.filter((v) => !example.has(v))).toEqual([]);
  });

  it('documents every variable of the env schema in docs/configuration.md', () => {
    const page = read('docs/configuration.md');
    expect(variables.filter((v) => !page.includes(`\`${v}\``))).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const named = docs.flatMap((file) =>
      [...read(file).matchAll(/npm (?:run ([a-z][\w:-]*)|(start|test)\b)/g)].map((m) => ({
        file,
        script: m[1] ?? m[2],
      })),
    );
    const missing = named.filter(({ script }) => !scripts.includes(script));
    expect(named.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('links only to files that exist in the repository', () => {
    const broken = docs.flatMap((file) =>
      [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !existsSync(join(root, dirname(file), target)))
        .map((target) => `${file} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('keeps the README a front page that points nowhere outside the repository', () => {
    const readme = read('README.md');
    expect(Buffer.byteLength(readme)).toBeLessThan(8 * 1024);
    expect(readme.split('\n').slice(0, 5).join('\n')).toContain('npm install && npm start');
    expect(readme.split('\n').slice(0, 5).join('\n')).toContain('npm test');
    for (const file of docs)
      expect({ file, outside: read(file).includes('../shared') }).toEqual({ file, outside: false });
  });
});
