// `npm run build` step 2 (issue 12, start-up time): bundles the compiled server (dist/src, decorator
// metadata already emitted by tsc) into dist/bundle/server.js, so a start reads one file instead of
// resolving and reading ~3,000 modules; dist/bundle/main.js is the entry (`npm start`, the image).
// main.js stays a separate tiny file: it turns the V8 compile cache on before importing the bundle.
import { parse } from 'acorn';
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { stripRedundantNames } from './bundle-names.js';

// The tsc output directory (`dist`; test/bundle.e2e-spec.ts builds its own); the bundle goes to <dist>/bundle.
const DIST = process.argv[2] ?? 'dist';
const OUT_DIR = `${DIST}/bundle`;

// Left to Node at run time, from node_modules. (Bundled code that finds files through `__dirname` fails:
// pino's transports do, and the server uses none; a transport would need pino here.)
const EXTERNAL = [
  // native addons, and pg's optional native binding
  'better-sqlite3',
  'pg-native',
  // its static files are served from its own directory
  'swagger-ui-dist',
  // loaded on demand only (a development terminal, or REDIS_URL set): not read at start, and one copy
  // of each shared with the Redis packages that import them (bullmq and @keyv/redis import ioredis and keyv)
  'pino-pretty',
  'ioredis',
  'bullmq',
  '@keyv/redis',
  'keyv',
];

const CREATE_REQUIRE = /const require = createRequire\(import\.meta\.url\);/;
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Two rewrites of package files, before esbuild reads them (so its source map stays true):
 *
 * - ES modules of some packages `require()` their siblings through `createRequire(import.meta.url)`
 *   (@nestjs/mapped-types: class-transformer's metadata storage; @nestjs/typeorm: typeorm). esbuild
 *   cannot see those, and Node would load a second copy from node_modules beside the bundled one (an
 *   empty metadata storage, a second TypeORM). Dropping the local `require` lets esbuild bundle them
 *   as the same modules the rest of the bundle uses.
 * - esbuild escapes non-ASCII characters in strings but not in regular expression literals
 *   (validator.js alphabets); one such character makes V8 hold the whole bundle as UTF-16: twice the
 *   memory (~10 MB) and a slower decode at every start. See escapeNonAscii.
 */
const packageRewrites = {
  name: 'package-rewrites',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const shared = CREATE_REQUIRE.test(source) ? source.replace(CREATE_REQUIRE, '') : source;
      const contents = NON_ASCII.test(shared) ? escapeNonAscii(shared) : shared;
      return contents === source ? undefined : { contents, loader: 'js' };
    });
  },
};

const ESCAPABLE_TOKENS = new Set(['regexp', 'string', 'name', 'template']);

/**
 * `\uXXXX` per UTF-16 unit means the same as the character in a regular expression (with or without
 * the `u` flag), a string, a name, a comment or an untagged template, so those are escaped. A tagged
 * template's raw text would differ, and `\` before the character would change meaning: a file with a
 * character there or anywhere else (or that acorn cannot parse) is left as it is.
 */
function escapeNonAscii(source) {
  const ranges = escapableRanges(source, 'module') ?? escapableRanges(source, 'script');
  if (!ranges) return source;
  let out = '';
  let at = 0;
  for (const [start, end] of [...ranges, [source.length, source.length]]) {
    const text = source.slice(start, end);
    if (NON_ASCII.test(source.slice(at, start)) || /\\[\u0080-\uffff]/.test(text)) return source;
    out += source.slice(at, start) + text.replace(/[\u0080-\uffff]/g, escapeUnit);
    at = end;
  }
  return out;
}

/** Where a file's characters may be escaped, in order; undefined if it does not parse. */
function escapableRanges(source, sourceType) {
  const tokens = [];
  const comments = [];
  let ast;
  try {
    ast = parse(source, {
      ecmaVersion: 'latest',
      sourceType,
      allowHashBang: true,
      allowReturnOutsideFunction: sourceType === 'script',
      onToken: ({ type, start, end }) => ESCAPABLE_TOKENS.has(type.label) && tokens.push([type.label, start, end]),
      onComment: (_block, _text, start, end) => comments.push([start, end]),
    });
  } catch {
    return undefined;
  }
  const tagged = [];
  walk(ast, (node) => node.type === 'TaggedTemplateExpression' && tagged.push([node.quasi.start, node.quasi.end]));
  const inTagged = (at) => tagged.some(([start, end]) => at >= start && at < end);
  const escapable = tokens.filter(([label, start]) => label !== 'template' || !inTagged(start));
  return [...escapable.map(([, start, end]) => [start, end]), ...comments].sort((x, y) => x[0] - y[0]);
}

function walk(node, visit) {
  visit(node);
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child.type === 'string') walk(child, visit);
    }
  }
}

const escapeUnit = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Optional peers that are not installed (@nestjs/microservices, @fastify/view, ...) stay run-time
 * imports: the packages probe them and carry on when they are missing, as they do unbundled.
 */
const optionalPeers = {
  name: 'optional-peers',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'probe') return undefined;
      const { kind, resolveDir, importer } = args;
      const found = await b.resolve(args.path, { kind, resolveDir, importer, pluginData: 'probe' });
      return found.errors.length > 0 ? { path: args.path, external: true } : found;
    });
  },
};

/** main.js imports the bundle beside it rather than inlining it (see the top of this file). */
const serverBeside = {
  name: 'server-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/server\.js$/ }, (args) =>
      args.importer.endsWith('main.js') ? { path: './server.js', external: true } : undefined,
    );
  },
};

await build({
  entryPoints: { main: `${DIST}/src/main.js`, server: `${DIST}/src/server.js` },
  outdir: OUT_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Class and function names are API here: Swagger schema names, Nest injection tokens and log contexts.
  keepNames: true,
  // Whitespace and syntax only: names stay readable in stack traces; the source V8 keeps is ~35 % smaller.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  external: EXTERNAL,
  // CommonJS code in an ES module bundle needs a `require` for what it leaves to Node (the externals).
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
  },
  plugins: [serverBeside, packageRewrites, optionalPeers],
  logLevel: 'warning',
});
const names = stripRedundantNames(await readFile(`${OUT_DIR}/server.js`, 'utf8'));
await writeFile(`${OUT_DIR}/server.js`, names.code);
const bundled = names.code;
if (NON_ASCII.test(bundled))
  console.warn(`${OUT_DIR}/server.js is not ASCII: V8 holds it as UTF-16 (twice the memory)`);
