import { execFile } from 'node:child_process'
import net from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'
import { LOCAL_SERVER_DEFAULTS, ProdError, ROOT, type ProdSettings, type ServerName } from './settings.js'

const run = promisify(execFile)

/** The environment scripts/servers.sh runs the production servers with (under <PROD_DIR>/servers, prod ports, its own RabbitMQ node). */
export function serversEnv(s: ProdSettings, maxConnections?: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    EMPORIUM_SERVERS_DIR: s.dirs.servers,
    EMPORIUM_PG_PORT: String(s.localPorts.PROD_PG_PORT),
    EMPORIUM_REDIS_PORT: String(s.localPorts.PROD_REDIS_PORT),
    EMPORIUM_AMQP_PORT: String(s.localPorts.PROD_AMQP_PORT),
    EMPORIUM_AMQP_DIST_PORT: String(s.localPorts.PROD_AMQP_DIST_PORT),
    EMPORIUM_AMQP_NODE: 'emporium-prod@localhost',
    ...(maxConnections ? { EMPORIUM_PG_MAX_CONNECTIONS: String(maxConnections) } : {}),
  }
}

async function serversSh(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('bash', [`${ROOT}/scripts/servers.sh`, ...args], { env, timeout: 180_000 })).stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new ProdError(`scripts/servers.sh ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`)
  }
}

/** Starts one local server and returns the URL variable to hand the apps. */
export async function startLocalServer(s: ProdSettings, name: ServerName, maxConnections: number): Promise<Record<string, string>> {
  const env = serversEnv(s, maxConnections)
  await serversSh(['start', name], env)
  const urls = Object.fromEntries((await serversSh(['urls'], env)).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  const key = { pg: 'DATABASE_URL', redis: 'REDIS_URL', rabbitmq: 'AMQP_URL' }[name]
  return { [key]: urls[key]! }
}

/** Stops a local server with the EMPORIUM_* settings it was started with (kept in the state file). */
export async function stopLocalServer(name: ServerName, settings: Record<string, string>): Promise<void> {
  await serversSh(['stop', name], { ...process.env, ...settings })
}

/** The port of each local server prod:start would run. */
export function localServerPorts(s: ProdSettings): { name: string; port: number }[] {
  const ports: Record<ServerName, (keyof typeof LOCAL_SERVER_DEFAULTS)[]> = { pg: ['PROD_PG_PORT'], redis: ['PROD_REDIS_PORT'], rabbitmq: ['PROD_AMQP_PORT', 'PROD_AMQP_DIST_PORT'] }
  return s.localServers.flatMap((server) => ports[server].map((name) => ({ name, port: s.localPorts[name] })))
}

/** Every port prod:start will listen on must be free; names the first taken one. */
export async function assertPortsFree(ports: { name: string; port: number; address?: string }[]): Promise<void> {
  for (const { name, port, address } of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer()
      server.once('error', () => resolve(false))
      server.listen(port, address ?? '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (!free) throw new ProdError(`port ${port} (${name}) is in use: stop what listens there or set ${name} to another port`)
  }
}

/** The sum of every service's pool x instances must fit the server: else instances would fail under load, not at start. */
export async function assertConnectionsFit(s: ProdSettings, databaseUrl: string): Promise<{ needed: number; available: number }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (err) {
    throw new ProdError(`PostgreSQL at DATABASE_URL is not reachable: ${(err as Error).message}`)
  }
  try {
    const { rows } = await client.query<{ max: string; reserved: string }>(
      "select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as reserved",
    )
    const available = Number(rows[0]!.max) - Number(rows[0]!.reserved)
    const needed = neededConnections(s)
    if (needed > available) {
      const detail = s.pools.map((p) => `${p.service} ${p.poolMax}x${p.instances}`).join(', ')
      throw new ProdError(
        `PostgreSQL allows ${available} connections (max_connections ${rows[0]!.max} - ${rows[0]!.reserved} reserved) but the pools need ${needed} (${detail}): lower *_DB_POOL_MAX or *_INSTANCES, or raise max_connections`,
      )
    }
    return { needed, available }
  } finally {
    await client.end().catch(() => {})
  }
}

export function neededConnections(s: ProdSettings): number {
  return s.pools.reduce((sum, p) => sum + p.connections, 0)
}
