/**
 * The production topology on one machine (README, "Production"):
 *
 *   npm run prod:start    servers (given URLs or local ones under ./var), build, PM2 apps, nginx
 *   npm run prod:stop     stops what prod:start started
 *   npm run prod:status   one table: instances, memory, CPU, restarts, health, servers
 *
 * A bad setting, a port in use or a part that does not come up: one line saying
 * which, what was already started is stopped again, exit 1.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { envExample } from './prod/env-example.js'
import { dockerLayout, ensureCertificate, ensureImagesDir, nginxPaths, renderNginxConf, startNginx, stopNginx, writeStorefrontAssets } from './prod/nginx.js'
import { ECOSYSTEM, pm2, pm2Kill } from './prod/pm2.js'
import { assertConnectionsFit, assertPortsFree, localServerPorts, neededConnections, serversEnv, startLocalServer, stopLocalServer } from './prod/servers.js'
import { loadSettings, ProdError, ROOT } from './prod/settings.js'
import { clearState, readState, saveState, stateDir, type ProdState } from './prod/state.js'
import { probe, statusTable } from './prod/status.js'

const log = (line: string) => console.log(`prod: ${line}`)
const pm2Home = () => path.join(stateDir(), 'pm2')

async function start(): Promise<void> {
  const s = loadSettings({ forStart: true })
  const running = readState()
  if (running) throw new ProdError(`already started at ${running.startedAt} (${path.join(stateDir(), 'prod-state.json')}): run npm run prod:stop first`)
  for (const name of s.generatedSecrets) log(`${name} was not set: made one, kept in ${path.join(s.dirs.state, 'secrets.env')}`)
  const { topology } = s
  await assertPortsFree([
    { name: 'NGINX_PORT', port: topology.nginx.port, address: topology.nginx.address },
    ...topology.services.map((svc) => ({ name: `${svc.service.toUpperCase()}_PORT`, port: svc.port })),
    ...localServerPorts(s),
  ])
  if (s.env.DATABASE_URL) await assertConnectionsFit(s, s.env.DATABASE_URL)
  await ensureImagesDir(s)
  if (!s.env.PROD_SKIP_BUILD) {
    log('building (npm run build)')
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 300_000 }).catch((err: { stdout?: string; message: string }) => {
      throw new ProdError(`npm run build failed: ${(err.stdout ?? err.message).trim().split('\n').slice(-3).join(' | ')}`)
    })
  }
  ensureCertificate(s)
  await writeStorefrontAssets(s)

  const state: ProdState = {
    startedAt: new Date().toISOString(),
    servers: [],
    serversEnv: pick(serversEnv(s), /^EMPORIUM_/),
    urls: {},
    pm2: false,
    services: topology.services.map((svc) => ({ app: svc.app, service: svc.service, url: svc.url, health: svc.health, instances: svc.instances })),
  }
  saveState(state)
  try {
    for (const name of s.localServers) {
      log(`starting local ${name} under ${s.dirs.servers}`)
      state.servers.push(name)
      saveState(state)
      // Room for every pool plus the operator's own sessions.
      Object.assign(s.env, await startLocalServer(s, name, Math.max(100, neededConnections(s) + 20)))
    }
    state.urls = pick(s.env, /^(DATABASE_URL|REDIS_URL|AMQP_URL)$/)
    saveState(state)
    if (s.localServers.includes('pg')) await assertConnectionsFit(s, s.env.DATABASE_URL!)
    mkdirSync(s.dirs.logs, { recursive: true })
    state.pm2 = true
    saveState(state)
    // In the ecosystem's order. Any order works: a service waits (PEER_START_WAIT_MS) for the
    // peers it calls, and every publisher declares every consumer's queue before it publishes.
    log('starting the services with PM2')
    await pm2(s.dirs.pm2, ['start', ECOSYSTEM], s.env)
    await waitFor('every service healthy', async () => {
      const answers = await Promise.all(topology.services.map((svc) => probe(svc.url + svc.health)))
      return answers.every((a) => a === 200) ? true : answers.map((a, i) => `${topology.services[i]!.app} ${a}`).join(', ')
    })
    const url = `https://${topology.nginx.address === '127.0.0.1' || topology.nginx.address === '0.0.0.0' ? 'localhost' : topology.nginx.address}:${topology.nginx.port}`
    state.nginx = { pidFile: nginxPaths(s).pid, url }
    saveState(state)
    startNginx(s)
    await waitFor('nginx answering /health', async () => {
      const status = await probe(`https://127.0.0.1:${topology.nginx.port}/health`)
      return status === 200 ? true : `GET /health ${status}`
    })
    console.log(await statusTable(state, s.dirs.pm2))
    log(`the shop is at ${url} (self-signed certificate: ${s.tls.generated ? s.tls.cert : 'TLS_CERT'}); logs in ${s.dirs.logs}`)
    log(`PM2: PM2_HOME=${s.dirs.pm2} npx pm2 status | logs product-service | reload all`)
  } catch (err) {
    log('start failed: stopping what was started')
    await stopAll(state)
    throw err
  }
}

async function waitFor(what: string, check: () => Promise<true | string>, timeoutMs = Number(process.env.PROD_START_TIMEOUT_MS ?? 120_000)): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    const result = await check()
    if (result === true) return
    last = result
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new ProdError(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${last}); see the logs in ${path.join(stateDir(), 'log')}`)
}

/** Stops, in reverse order, what the state says was started; each step is tried even if one before failed. */
async function stopAll(state: ProdState): Promise<void> {
  const steps: [string, () => Promise<void>][] = []
  if (state.nginx) steps.push(['nginx', () => stopNginx(state.nginx!.pidFile)])
  if (state.pm2) steps.push(['PM2 and the services', () => pm2Kill(pm2Home())])
  for (const name of [...state.servers].reverse()) {
    steps.push([name, () => stopLocalServer(name, state.serversEnv)])
  }
  for (const [what, step] of steps) {
    await step().then(
      () => log(`stopped ${what}`),
      (err: Error) => log(`could not stop ${what}: ${err.message}`),
    )
  }
  clearState()
}

async function stop(): Promise<void> {
  const state = readState()
  if (!state) {
    // Nothing recorded; still make sure no daemon of ours is left behind.
    await pm2Kill(pm2Home())
    log('nothing was running')
    return
  }
  await stopAll(state)
}

async function status(): Promise<void> {
  const state = readState()
  if (!state) {
    log('not running (npm run prod:start)')
    return
  }
  console.log(await statusTable(state, pm2Home()))
}

/** What docker-compose.prod.yml mounts into its nginx container: the config for the compose network, and a certificate. */
async function dockerConfig(): Promise<void> {
  const s = loadSettings({ forStart: false })
  const dir = path.join(s.dirs.state, 'docker')
  const tls = { cert: path.join(dir, 'tls', 'localhost.crt'), key: path.join(dir, 'tls', 'localhost.key'), generated: !s.env.TLS_CERT }
  if (s.env.TLS_CERT) mkdirSync(path.join(dir, 'tls'), { recursive: true })
  ensureCertificate({ ...s, tls })
  if (s.env.TLS_CERT) for (const [from, to] of [[s.tls.cert, tls.cert], [s.tls.key, tls.key]] as const) copyFileSync(from, to)
  // nginx in its container listens on all interfaces; the published port decides who reaches it.
  writeFileSync(path.join(dir, 'nginx.conf'), renderNginxConf({ ...s, topology: { ...s.topology, nginx: { ...s.topology.nginx, address: '0.0.0.0' } } }, dockerLayout()))
  log(`wrote ${path.join(dir, 'nginx.conf')} and ${path.dirname(tls.cert)}/ for docker-compose.prod.yml`)
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => pattern.test(e[0]) && e[1] !== undefined))
}

const commands: Record<string, () => Promise<void>> = { start, stop, status, 'docker-config': dockerConfig, 'env-example': async () => void process.stdout.write(envExample()) }
const command = commands[process.argv[2] ?? '']
if (!command) {
  console.error('usage: tsx scripts/prod.ts start|stop|status|docker-config|env-example')
  process.exit(2)
}
command().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof ProdError ? `prod: ${err.message}` : `prod: failed: ${(err as Error).stack ?? String(err)}`)
    process.exit(1)
  },
)
