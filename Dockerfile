# One image for every service; the Helm chart picks the entry point per Deployment.
# (No Docker engine on the development machines: this file is not built in CI.)
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# --no-memory-reducer: V8 shrinks an idle process's heap to its live size. Searched after 30 s idle,
# a server then ran a full mark-compact every few 2.8 MB search pages (16-19 in 70 searches instead
# of 2). A server's heap should stay at the size its load needs; the Helm chart starts it the same way.
CMD ["node", "--no-memory-reducer", "dist/services/cli/src/main.js", "server", "--host", "0.0.0.0"]
