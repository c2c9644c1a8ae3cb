# Emporium: one image for every service (docker-compose.prod.yml picks the service per container).
# Multi-stage: the build stage has the compiler; the runtime stage only production dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY src src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY deploy deploy
# PM2 (a production dependency) runs the service in cluster mode, as on a host: same ecosystem file.
# /app/var/images: a new `images` volume takes this directory's owner (node), so the service can write it.
RUN mkdir -p /app/var/log /app/var/data /app/var/images && chown -R node:node /app/var
USER node
ENV PM2_HOME=/app/var/pm2
EXPOSE 3001 3002 3003 3004 3005
# docker-compose.prod.yml names the app: pm2-runtime deploy/ecosystem.config.cjs --only <app>
CMD ["node_modules/.bin/pm2-runtime", "deploy/ecosystem.config.cjs"]
