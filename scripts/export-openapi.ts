// `npm run lint:openapi` (first step): writes the OpenAPI document the app serves at GET /docs/openapi.json
// to a file for Spectral; the same document the typed client is generated from (test/support/openapi.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultDocument } from '../test/support/openapi.js';

const out = process.argv[2] ?? 'dist/openapi.json';
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(await defaultDocument(), null, 2));
console.log(`wrote ${out}`);
