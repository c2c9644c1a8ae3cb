import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { pino } from 'pino'
import { connect } from '../../src/platform/deps.js'
import { outboxBacklog } from '../../src/platform/events/outbox-store.js'
import { createMetrics } from '../../src/platform/metrics.js'
import { loadServiceConfig } from '../../src/platform/service.js'
import { SERVICES } from '../../src/services/registry.js'

/**
 * The production topology's state during the run, read as `npm run events -- status`
 * reads it: outbox backlog per service and queue depths (the bus port), database
 * pool use per service (pg_stat_activity by application_name), Redis keyspace
 * hits and misses, and the order confirmations sent (notifications.deliveries).
 */
export async function topologyProbes(urls: Record<string, string>) {
  const env = { ...process.env, ...urls, PROFILE: 'embedded', LOG_LEVEL: 'warn' }
  const config = loadServiceConfig(SERVICES, env)
  const deps = await connect(config, { name: 'loadtest-probe', pool: { max: 2, min: 0 }, log: pino({ level: 'warn' }), metrics: createMetrics('loadtest', { defaultMetrics: false }) })
  const db = new pg.Pool({ connectionString: urls.DATABASE_URL, max: 2, application_name: 'loadtest-probe' })
  const redis = urls.REDIS_URL ? new Redis(urls.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined
  await redis?.connect()
  const producers = SERVICES.flatMap((s) => (s.outbox ? [{ service: s.name, schema: s.outbox }] : []))
  const queues = SERVICES.flatMap((s) => (s.subscription ? [s.subscription.queue] : []))

  return {
    async sample(): Promise<Record<string, number>> {
      const out: Record<string, number> = {}
      const [backlogs, depths, pools, info] = await Promise.all([
        Promise.all(producers.map((p) => outboxBacklog(db as never, p.schema).then((b) => [p.service, b.unpublished] as const))),
        Promise.all(queues.map((q) => deps.bus.queueStats(q))),
        db.query<{ app: string; active: number; total: number }>(
          `select application_name as app, count(*) filter (where state = 'active')::int as active, count(*)::int as total
             from pg_stat_activity where datname = current_database() and application_name <> 'loadtest-probe' group by 1`,
        ),
        redis?.info('stats') ?? Promise.resolve(''),
      ])
      for (const [service, n] of backlogs) out[`outbox.${service}`] = n
      for (const q of depths) {
        out[`queue.${q.queue}`] = q.ready
        out[`dlq.${q.queue}`] = q.deadLetters
      }
      for (const r of pools.rows) {
        out[`pool.${r.app}.active`] = r.active
        out[`pool.${r.app}.open`] = r.total
      }
      const hits = /keyspace_hits:(\d+)/.exec(info)?.[1]
      const misses = /keyspace_misses:(\d+)/.exec(info)?.[1]
      if (hits) out['redis.keyspace_hits'] = Number(hits)
      if (misses) out['redis.keyspace_misses'] = Number(misses)
      return out
    },
    async emailsSent(recipients: string[]): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from notifications.deliveries where template = 'order-confirmation' and status = 'sent' and recipient = any($1)`,
        [recipients],
      )
      return rows[0]!.n
    },
    async close() {
      redis?.disconnect()
      await db.end()
      await deps.close()
    },
  }
}

/** Order confirmations in the embedded shop's on-disk mailbox (DATA_DIR/mailbox). */
export function mailboxEmails(dataDir: string) {
  return async (recipients: string[]): Promise<number> => {
    const dir = path.join(dataDir, 'mailbox')
    const wanted = new Set(recipients)
    let n = 0
    let names: string[] = []
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.json'))
    } catch {
      return 0
    }
    for (const f of names) {
      try {
        const mail = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { to: string; template?: string }
        if (mail.template === 'order-confirmation' && wanted.has(mail.to)) n++
      } catch {
        // being written
      }
    }
    return n
  }
}
