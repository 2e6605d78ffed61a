// `npm run openapi:client`: regenerates the typed client (test/generated/openapi.d.ts) from the OpenAPI document
// the app serves at GET /docs/openapi.json. Runs the TypeScript sources directly (test/support/ts-loader.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLIENT_TYPES_FILE, clientTypesOf, defaultDocument } from '../test/support/openapi.js';

const types = await clientTypesOf(await defaultDocument());
mkdirSync(dirname(CLIENT_TYPES_FILE), { recursive: true });
writeFileSync(CLIENT_TYPES_FILE, types);
console.log(`wrote ${CLIENT_TYPES_FILE}`);
