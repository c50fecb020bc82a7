# meshgate: the policy engine, serving the example mesh by default (`npm start`).
# Two stages: the build needs the dev tools (TypeScript, AssemblyScript); the
# image that runs needs only the production dependencies and the built
# output (wabt, which assembles WebAssembly at run time, is a dependency).
# The same steps are checked without a container engine by
# scripts/check-production-install.sh (CI).

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# `prepare` builds, which needs the sources: skip scripts here, build below.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY policies ./policies
COPY schemas ./schemas
COPY config ./config
# The example writes its bundles into bundles/; everything else is read-only.
RUN mkdir -p bundles && chown node:node bundles
USER node
EXPOSE 8181
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8181/health?bundles').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Inside a container the sidecar must listen beyond loopback to be reachable.
CMD ["node", "dist/src/cli/main.js", "serve", "--example", "--addr", "0.0.0.0:8181"]
