/**
 * An outbox relay alone in its own process, for tests that SIGKILL it:
 *   node --import tsx test/helpers/relay-child.ts
 * with DATABASE_URL, AMQP_URL, EVENTS_* and OUTBOX_SCHEMA in the environment.
 * Prints "relay ready" once it relays; SIGTERM stops it cleanly.
 */
import { Type } from '@sinclair/typebox'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { busConfig, busSettings } from '../../src/platform/bus/config.js'
import { createRabbitBus } from '../../src/platform/bus/rabbit-bus.js'
import { loadConfig } from '../../src/platform/config.js'
import { createPgDb } from '../../src/platform/db/pg-db.js'

const config = loadConfig(Type.Composite([busConfig, Type.Object({ OUTBOX_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$' }) })]))
if (!config.DATABASE_URL || !config.AMQP_URL) throw new Error('DATABASE_URL and AMQP_URL are required')
const log = pino({ level: config.LOG_LEVEL })
const db = createPgDb({ url: config.DATABASE_URL, max: 2, min: 0, applicationName: 'relay-child' })
const bus = await createRabbitBus({ url: config.AMQP_URL, name: `relay-child-${process.pid}`, settings: busSettings(config), log, registry: new Registry() })
const stop = await bus.startRelay(db, config.OUTBOX_SCHEMA)
process.stdout.write('relay ready\n')
process.once('SIGTERM', () => {
  void (async () => {
    await stop()
    await bus.close()
    await db.close()
    process.exit(0)
  })()
})
