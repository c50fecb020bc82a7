# meshgate: the policy engine serving the example mesh (`npm start`).
# One stage on purpose: compile() assembles WebAssembly at run time, so the
# build toolchain in node_modules is needed by the server too.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, for layer caching; `npm ci` runs `prepare` (the build),
# which needs the sources, so scripts are skipped here and the build runs below.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts

COPY . .
RUN npm run build

USER node
CMD ["npm", "start"]
