# Gateway, worker and simulators share one image; the command picks the role.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY domain ./domain
COPY adapters ./adapters
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
COPY schemas ./schemas
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/vendor ./vendor
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY schemas ./schemas
COPY src/store/migrations ./src/store/migrations
COPY demo ./demo
COPY sector ./sector
COPY categories ./categories
# published services: declarations and the providers' OpenAPI documents (the simulators serve theirs)
COPY services ./services
# .demo holds the demo identity provider's key when the compose stack makes one (never baked into the image)
# keys holds the gateway signing key the compose stack makes (npm run gateway-key), never baked in either
RUN mkdir -p /app/.demo /app/keys && chown node:node /app/.demo /app/keys
USER node
EXPOSE 3000
CMD ["node", "dist/src/server.js"]
