import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from './field-spec.js';
import { plan } from './plan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIELDS = 'name:string(100) priceYen:int(min=0) sku:string(40,unique) description?:text';

describe('plan (everything the generator writes, computed before writing)', () => {
  it('the module folder, formatted, and one import line added to app.module.ts', async () => {
    const p = await plan(['resource', 'products', '--fields', FIELDS], root, 1800000000000);
    expect([...p.files.keys()].every((f) => f.startsWith('src/modules/products/'))).toBe(true);
    expect([...p.files.keys()]).toContain('src/modules/products/migrations/1800000000000-create-products.ts');
    const before = readFileSync(join(root, 'src/app.module.ts'), 'utf8').split('\n');
    const after = p.appModule.split('\n');
    expect(after.filter((line) => !before.includes(line))).toEqual(["import './modules/products/products.module.js';"]);
    expect(after).toHaveLength(before.length + 1);
    expect(p.files.get('src/modules/products/products.resource.ts')).toContain(
      "sku: text({ maxLength: 40, example: 'sku-1', unique: true }),",
    );
  });

  it.each([
    [['model', 'products', '--fields', FIELDS], /unknown generator "model"/],
    [['resource'], /resource name "" must be a plural/],
    [['resource', 'Products', '--fields', FIELDS], /must be a plural in lower case/],
    [['resource', 'products'], /--fields is required/],
    [['resource', 'products', '--fields'], /--fields needs a value/],
    [['resource', 'products', '--fields', FIELDS, '--force'], /unknown argument "--force"/],
    [['resource', 'sheep', '--fields', FIELDS], /give --singular/],
    [['resource', 'users', '--fields', FIELDS], /src\/modules\/users already exists/],
    [['resource', 'products', '--fields', 'price:float'], /unknown type "float"/],
  ])('%j: %s', async (args, message) => {
    await expect(plan(args, root)).rejects.toThrow(SpecError);
    await expect(plan(args, root)).rejects.toThrow(message);
  });

  it('the command with a bad field: a clear message, exit code 2 and nothing written', () => {
    let status = 0;
    let stderr = '';
    try {
      const args = ['resource', 'widgets', '--fields', 'size:int(min=3,max=1)'];
      execFileSync(
        process.execPath,
        ['--import', './test/support/ts-loader.mjs', '--no-warnings', 'scripts/generate.ts', ...args],
        { cwd: root, stdio: 'pipe' },
      );
    } catch (error) {
      ({ status, stderr } = error as { status: number; stderr: string });
    }
    expect(status).toBe(2);
    expect(String(stderr)).toMatch(/^generate: size: min is greater than max[\s\S]*usage:[\s\S]*nothing was written/);
    expect(existsSync(join(root, 'src/modules/widgets'))).toBe(false);
  });
});
