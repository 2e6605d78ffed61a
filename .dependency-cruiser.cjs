// The layering rules of docs/architecture.md, checked by `npm run lint` (depcruise src migrations).
// Specs (`*.spec.ts`) are exempt from the module-boundary rules: a unit spec tests its module's
// internals and may build a neighbour's piece directly. test/ and scripts/ are not cruised (e2e
// suites and tools reach into whatever they exercise); they still obey TypeScript and ESLint.
const SPEC = '\\.spec\\.ts$';
// The composition root: bootstrap, the root module, the app factory and the document it serves.
const ROOT = '^src/(main|app\\.module|app\\.setup|app\\.openapi)\\.ts$';
const LIBRARIES = '^src/(common|database|config|gateway)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'library-imports-no-module',
      comment:
        'common/, database/, config/ and gateway/ are libraries every module builds on: they know no module. ' +
        'A module fills what a library declares (a manifest, a registry, a hook) instead.',
      severity: 'error',
      from: { path: LIBRARIES, pathNot: SPEC },
      to: { path: '^src/modules/' },
    },
    {
      name: 'module-through-its-index',
      comment:
        "A module reaches another module only through that module's index.ts, the public surface it " +
        'chose to export; everything else in its folder may change without notice.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'root-through-module-index',
      comment: 'The composition root imports a module through its index.ts, like any other module does.',
      severity: 'error',
      from: { path: ROOT },
      // A generated module registers itself: app.module.ts imports its `<name>/<name>.module.ts` for that effect.
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/[^/]+/index\\.ts$', '^src/modules/([^/]+)/\\1\\.module\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter (ESM: a class read before it is defined) and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A source file nothing imports is dead code (entry points, CLIs, migrations and specs aside).',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          SPEC,
          '\\.d\\.ts$',
          '^src/main\\.ts$',
          '\\.cli\\.ts$',
          '^src/database/data-source\\.ts$',
          '^migrations/',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
