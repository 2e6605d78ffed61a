#!/usr/bin/env bash
# The generator cannot rot: in a temporary copy of the repository (node_modules symlinked), generate a throwaway
# resource with every field type, then run lint, typecheck, its unit and conventions specs, the typed-client
# suites (test/openapi-client-*, which find it in the served document), the schema drift test (its entity and
# migration agree) and the OpenAPI lint. GENERATOR_PROOF_PG=1 also runs its conventions suite and the drift test
# on PostgreSQL + Redis (TEST_DATABASE_URL / TEST_REDIS_URL as for `npm run test:pg`).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/generator-proof.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

tar -C "$repo" --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./data --exclude=./coverage \
  --exclude=./bench-results -cf - . | tar -C "$work" -xf -
ln -s "$repo/node_modules" "$work/node_modules"
cd "$work"

step() { echo; echo "== $* ($(( $(date +%s) - started )) s)"; }

step generate
npm run --silent generate -- resource gadgets --fields \
  "name:string(60) weightGrams:int(min=1,max=100000) code:string(20,unique) contact?:email notes?:text stock:long(min=0)"
step lint
npx eslint src/modules/gadgets src/app.module.ts
npx prettier --check src/modules/gadgets src/app.module.ts
step typecheck
npm run --silent typecheck
step "unit + conventions suite (SQLite) + typed client + entity/migration agreement"
npm test -- --silent src/modules/gadgets 'test/openapi-client-.*\.e2e-spec\.ts' test/schema-drift.e2e-spec.ts
if [ -n "${GENERATOR_PROOF_PG:-}" ]; then
  step "conventions suite + schema drift (PostgreSQL + Redis)"
  npm run test:pg -- --silent src/modules/gadgets test/schema-drift.e2e-spec.ts
fi
step "OpenAPI lint"
# Only the summary: the warnings are the whole document's, listed by `npm run lint:openapi` itself (pipefail keeps
# the exit status of a failing lint).
npm run --silent lint:openapi | tail -n 3
step "generator proof passed in $(( $(date +%s) - started )) s"
