# One image for every TickStockPL process; the command picks the service.
# Build: docker build -t tickstockpl .   Run: docker compose up
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY gen/package.json gen/
COPY packages/common/package.json packages/common/
COPY packages/cli/package.json packages/cli/
COPY services/import/package.json services/import/
COPY services/cache-sync/package.json services/cache-sync/
COPY services/analytics/package.json services/analytics/
COPY services/coordinator/package.json services/coordinator/
COPY gateway/package.json gateway/
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY . .
USER node
# e.g. CMD ["node", "--import", "tsx", "services/import/src/main.ts"] (set per service in docker-compose.yml)
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
