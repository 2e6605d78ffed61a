# syntax=docker/dockerfile:1
# Multi-stage build: compile with every dependency, ship only production dependencies, run as non-root.
# Node 24 LTS, pinned to the exact release .ci/run tests (test/deployment.e2e-spec.ts keeps the two
# equal): the newest 24.x when chosen, so it carries every security fix of the line. Bookworm because
# the build tools below are pinned to its package versions.

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3=3.11.* make=4.3-* g++=4:12.2.* \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    SANDBOX_ENABLED=false
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
# Kubernetes probes /health/live and /health/ready; no Docker HEALTHCHECK on purpose.
HEALTHCHECK NONE
STOPSIGNAL SIGTERM
# The bundle (scripts/bundle.js): one file instead of ~3,000 modules to resolve and read at start-up;
# dist/src stays for the migration CLI (data-source.js). node_modules stays for what the bundle leaves
# to Node: native addons, Swagger UI's files and the Redis clients loaded only when REDIS_URL is set.
CMD ["node", "dist/bundle/main.js"]
