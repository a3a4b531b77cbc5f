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
CMD ["node", "dist/services/cli/src/main.js", "server", "--host", "0.0.0.0"]
