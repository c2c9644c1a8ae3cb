import http from 'node:http'
import https from 'node:https'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import pg from 'pg'
import { alive } from './nginx.js'
import { pm2List } from './pm2.js'
import type { ProdState } from './state.js'

/** The HTTP status of a GET (2 s at most), or why there is none. Our own certificate is self-signed: not verified here. */
export function probe(url: string, timeoutMs = 2000): Promise<number | string> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get
    const req = get(url, { timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('timeout', () => req.destroy(new Error('no answer')))
    req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message))
  })
}

async function serverState(name: string, url: string | undefined): Promise<string> {
  if (!url) return 'not configured'
  const timeout = 3000
  try {
    if (name === 'postgres') {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeout })
      await client.connect()
      await client.query('select 1')
      await client.end()
    } else if (name === 'redis') {
      const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeout, maxRetriesPerRequest: 0, retryStrategy: () => null })
      await redis.connect()
      await redis.ping()
      redis.disconnect()
    } else {
      const conn = await amqp.connect(url, { timeout })
      await conn.close()
    }
    return 'up'
  } catch (err) {
    return `down (${(err as Error).message.split('\n')[0]})`
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

/** One table: each service's instances, memory, CPU, restarts and health, then the servers and nginx. */
export async function statusTable(state: ProdState, pm2Home: string): Promise<string> {
  const procs = await pm2List(pm2Home)
  const rows = [['service', 'instances', 'memory', 'cpu', 'restarts', 'health']]
  for (const svc of state.services) {
    const mine = procs.filter((p) => p.name === svc.app)
    const online = mine.filter((p) => p.pm2_env.status === 'online').length
    const memory = mine.reduce((sum, p) => sum + p.monit.memory, 0)
    const cpu = mine.reduce((sum, p) => sum + p.monit.cpu, 0)
    const restarts = mine.reduce((sum, p) => sum + p.pm2_env.restart_time, 0)
    const health = await probe(svc.url + svc.health)
    rows.push([svc.app, `${online}/${mine.length}`, `${Math.round(memory / 1048576)} MB`, `${cpu}%`, String(restarts), String(health)])
  }
  const servers = [['server', 'state', 'where']]
  const local = (s: string) => (state.servers.includes(s as never) ? 'local, started by prod:start' : 'given')
  servers.push(['postgres', await serverState('postgres', state.urls.DATABASE_URL), local('pg')])
  servers.push(['redis', await serverState('redis', state.urls.REDIS_URL), local('redis')])
  servers.push(['rabbitmq', await serverState('rabbitmq', state.urls.AMQP_URL), local('rabbitmq')])
  if (state.nginx) {
    const pid = await readPid(state.nginx.pidFile)
    const up = pid !== undefined && alive(pid)
    servers.push(['nginx', up ? `up, /health ${await probe(`${state.nginx.url}/health`)}` : 'down', state.nginx.url])
  } else servers.push(['nginx', 'not started', ''])
  return `${table(rows)}\n\n${table(servers)}`
}

async function readPid(file: string): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises')
  return readFile(file, 'utf8').then((t) => Number(t.trim()), () => undefined)
}
