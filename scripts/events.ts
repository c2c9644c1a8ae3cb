/**
 * Operations on the event flow:
 *
 *   npm run events -- status [--json]          outbox backlog per service, queue depths, dead letters
 *   npm run events -- replay-dlq [queue] [--json]   move dead letters back to their queue (after a fix)
 *
 * Reads the same configuration as the services (.env, DATABASE_URL, AMQP_URL,
 * EVENTS_*). Without DATABASE_URL it opens the embedded shop's database
 * (DATA_DIR), which only one process may hold: stop the shop first.
 */
import { existsSync } from 'node:fs'
import { pino } from 'pino'
import { pgCode } from '../src/platform/db/db.js'
import { connect } from '../src/platform/deps.js'
import { outboxBacklog, type OutboxBacklog } from '../src/platform/events/outbox-store.js'
import { createMetrics } from '../src/platform/metrics.js'
import { loadServiceConfig } from '../src/platform/service.js'
import { SERVICES } from '../src/services/registry.js'
import type { QueueStats } from '../src/platform/bus/bus.js'

const USAGE = 'usage: npm run events -- status [--json] | replay-dlq [queue] [--json]'

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2)
  const json = rest.includes('--json')
  const queueArg = rest.find((a) => !a.startsWith('--'))
  if (command !== 'status' && command !== 'replay-dlq') {
    console.error(USAGE)
    return 2
  }
  if (existsSync('.env')) process.loadEnvFile('.env')
  const config = loadServiceConfig(SERVICES)
  const log = pino({ level: 'warn' }, pino.destination(2))
  const deps = await connect(config, { name: 'events-cli', pool: { max: 2, min: 0 }, log, metrics: createMetrics('events-cli', { defaultMetrics: false }) })
  const producers = SERVICES.flatMap((s) => (s.outbox ? [{ service: s.name, schema: s.outbox }] : []))
  const queues = SERVICES.flatMap((s) => (s.subscription ? [s.subscription.queue] : []))
  try {
    if (command === 'status') {
      const outboxes = await Promise.all(producers.map(async (p) => ({ service: p.service, ...(await backlogOf(p.schema)) })))
      const depths = await Promise.all(queues.map((q) => deps.bus.queueStats(q)))
      if (json) console.log(JSON.stringify({ bus: deps.bus.kind, outboxes, queues: depths }, null, 2))
      else printStatus(deps.bus.kind, config.AMQP_URL, config.EVENTS_EXCHANGE, outboxes, depths)
      return 0
    }
    if (queueArg && !queues.includes(queueArg)) {
      console.error(`unknown queue '${queueArg}': one of ${queues.join(', ')}`)
      return 2
    }
    const replayed: Record<string, number> = {}
    for (const q of queueArg ? [queueArg] : queues) replayed[q] = await deps.bus.replayDeadLetters(q)
    if (json) console.log(JSON.stringify({ bus: deps.bus.kind, replayed }, null, 2))
    else {
      for (const [q, n] of Object.entries(replayed)) console.log(`${q}: ${n} dead letter${n === 1 ? '' : 's'} moved back`)
      if (deps.bus.kind === 'embedded') console.log('(embedded: they are delivered again when the shop runs)')
    }
    return 0
  } finally {
    await deps.close()
  }

  async function backlogOf(schema: string): Promise<OutboxBacklog | { schema: string; missing: true }> {
    try {
      return await outboxBacklog(deps.db, schema)
    } catch (err) {
      if (pgCode(err) === '42P01' || pgCode(err) === '3F000') return { schema, missing: true }
      throw err
    }
  }
}

function printStatus(
  kind: string,
  amqpUrl: string | undefined,
  exchange: string,
  outboxes: ({ service: string } & (OutboxBacklog | { schema: string; missing: true }))[],
  queues: QueueStats[],
) {
  const table = (header: string[], rows: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    for (const r of [header, ...rows]) console.log(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`)
  }
  console.log('Outbox backlog (events committed, not yet published)')
  table(
    ['service', 'schema', 'unpublished', 'failing', 'oldest'],
    outboxes.map((o) =>
      'missing' in o
        ? [o.service, o.schema, 'not migrated', '', '']
        : [o.service, o.schema, String(o.unpublished), String(o.failing), o.oldestAgeSeconds === null ? '-' : `${o.oldestAgeSeconds} s`],
    ),
  )
  const where = kind === 'rabbitmq' ? `RabbitMQ ${redact(amqpUrl)}, exchange ${exchange}` : 'embedded bus: events wait in the outboxes'
  console.log(`\nQueues (${where})`)
  table(
    ['queue', 'ready', 'consumers', 'dead letters'],
    queues.map((q) => [q.queue, String(q.ready), String(q.consumers), String(q.deadLetters)]),
  )
  const dead = queues.reduce((n, q) => n + q.deadLetters, 0)
  if (dead) console.log(`\n${dead} dead letter(s): fix the cause, then: npm run events -- replay-dlq`)
}

function redact(url: string | undefined): string {
  if (!url) return ''
  const u = new URL(url)
  u.password = u.password ? '***' : ''
  return u.toString()
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('events:', err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
