// The typed-client suites (test/openapi-client-*.e2e-spec.ts) together call every operation of the served
// document and get an error answer of every tag validated: the union of their claims
// (test/support/openapi-client-claims.ts) is the document, and each claiming file checks its own claim. A route
// added later without a client call claimed by one of them fails CI here.
import { existsSync, readFileSync } from 'node:fs';
import { CLAIMS, claimOf, type ClaimingFile } from './support/openapi-client-claims.js';
import { openApiClientSuite } from './support/openapi-client-suite.js';

const FILES = Object.keys(CLAIMS) as ClaimingFile[];

describe('generated OpenAPI client: coverage of the document by the claims of the typed-client suites', () => {
  const api = openApiClientSuite();
  const claims = () => FILES.map((file) => claimOf(file, api.contract.document));

  it('every (path, method) of the document is claimed by a suite that calls it through the client, and no other', () => {
    const claimed = new Set(claims().flatMap((c) => c.operations));
    const documented = api.contract.operations().map((op) => `${op.method.toUpperCase()} ${op.path}`);
    const missing = documented.filter((key) => !claimed.has(key));
    if (missing.length > 0) {
      throw new Error(
        `operations of the OpenAPI document claimed by no test/openapi-client-*.e2e-spec.ts (call them in one and ` +
          `claim them in test/support/openapi-client-claims.ts):\n  ${missing.join('\n  ')}`,
      );
    }
    expect([...claimed].filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('every tag has at least one documented error response validated', () => {
    const tagsWithError = new Set(claims().flatMap((c) => c.errorTags));
    const tags = [...new Set(api.contract.operations().flatMap((op) => op.tags))];
    expect(tags.filter((tag) => !tagsWithError.has(tag))).toEqual([]);
    expect(tags.length).toBeGreaterThanOrEqual(8);
  });

  it('every claim is checked by its own suite: test/<file>.e2e-spec.ts exists and compares its claim with its calls', () => {
    const checksItsClaim = (file: ClaimingFile) => {
      const url = new URL(`./${file}.e2e-spec.ts`, import.meta.url);
      const source = existsSync(url) ? readFileSync(url, 'utf8') : '';
      const checked = source.matchAll(/missedClaims\(\s*api\.contract,\s*claimOf\(\s*'([\w-]+)'/g);
      return [...checked].some((m) => m[1] === file);
    };
    expect(FILES.filter((file) => !checksItsClaim(file))).toEqual([]);
  });
});
