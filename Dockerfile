# hub-sales-bot: build with `docker build -t hub-sales-bot:0.1.0 .` (the manifests in
# deploy/kubernetes use that name). Two stages: the first installs every dependency and
# compiles TypeScript, then drops the development ones; the second carries only the
# compiled app and its production dependencies, and runs as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# HOST: every interface, so the Service and the kubelet's probes reach the pod (the server's
# own default, as Probot's, is localhost).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    HUB_SALES_DB=/app/data/hub-sales.db \
    HUB_SALES_OUTBOX=/app/data/outbox
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
# uid 1000 is the image's `node` user; numeric so Kubernetes' runAsNonRoot can check it.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
USER 1000:1000
EXPOSE 3000
CMD ["node", "dist/src/server.js"]
