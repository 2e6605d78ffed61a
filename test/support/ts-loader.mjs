// `node --import ./test/support/ts-loader.mjs file.ts`: runs the TypeScript sources in a child process
// (crash tests) with the same swc settings as Jest, so no build is needed first.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
