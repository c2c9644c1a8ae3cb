import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import amqp from 'amqplib'
import { SERVICES } from '../../src/services/registry.js'
import { freePort } from './ports.js'
import { servers } from './servers.js'

const run = promisify(execFile)
type Scope = { after: (fn: () => Promise<void>) => void }

/** A RabbitMQ node the tests can control with rabbitmqctl. */
export interface Broker {
  url: string
  ctl(...args: string[]): Promise<string>
}

/** The environment scripts/servers.sh gives the shared RabbitMQ node (its rabbit_env), so rabbitmqctl reaches it. */
export function sharedRabbitEnv(): NodeJS.ProcessEnv {
  const dir = process.env.EMPORIUM_SERVERS_DIR ?? path.resolve('.servers')
  return rabbitEnv(`${dir}/rabbitmq`, 'emporium@localhost', process.env.EMPORIUM_AMQP_PORT ?? '56720', process.env.EMPORIUM_AMQP_DIST_PORT ?? '26720')
}

function rabbitEnv(dir: string, node: string, port: string, distPort: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: port,
    RABBITMQ_DIST_PORT: distPort,
    RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
    RABBITMQ_LOG_BASE: `${dir}/log`,
    RABBITMQ_PID_FILE: `${dir}/rabbitmq.pid`,
    RABBITMQ_CONFIG_FILE: `${dir}/rabbitmq`,
    RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
    ERL_EPMD_ADDRESS: '127.0.0.1',
  }
}

const BIN = '/usr/lib/rabbitmq/bin'

function ctlWith(env: NodeJS.ProcessEnv) {
  return async (...args: string[]) => (await run(`${BIN}/rabbitmqctl`, ['-q', ...args], { env, timeout: 120_000 })).stdout
}

/** The node `npm test` started (scripts/servers.sh), shared by every test file. */
export const sharedBroker: Broker = {
  get url() {
    return servers.amqpUrl
  },
  ctl: (...args) => ctlWith(sharedRabbitEnv())(...args),
}

/**
 * A RabbitMQ node of this test's own (the Debian rabbitmq-server, ~8 s to
 * start), for faults that would hit every other test using the shared node:
 * stop_app / start_app, memory alarms. Stopped and removed with the scope.
 */
export async function startPrivateBroker(scope: Scope): Promise<Broker> {
  // Ports picked at random can be taken (another server, a client's ephemeral
  // port): the node then dies at boot. Ask the kernel for free ones, and try
  // again with new ones if the node still does not come up.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBrokerOnce(scope, String(await freePort()), String(await freePort()))
    } catch (err) {
      if (attempt === 3) throw err
    }
  }
}

async function startBrokerOnce(scope: Scope, port: string, distPort: string): Promise<Broker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'emporium-rabbitmq-'))
  const env = rabbitEnv(dir, `faults${randomBytes(3).toString('hex')}@localhost`, port, distPort)
  const stop = async () => {
    await run(`${BIN}/rabbitmqctl`, ['-q', 'stop', `${dir}/rabbitmq.pid`], { env, timeout: 60_000 }).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await mkdir(`${dir}/log`)
    await mkdir(`${dir}/mnesia`)
    await writeFile(`${dir}/enabled_plugins`, '[].')
    // The CLI and the node share this cookie; it exists before either starts.
    await writeFile(`${dir}/.erlang.cookie`, randomBytes(20).toString('hex'), { mode: 0o400 })
    await writeFile(`${dir}/rabbitmq.conf`, `listeners.tcp.1 = 127.0.0.1:${port}\nloopback_users = none\n`)
    await run(`${BIN}/rabbitmq-server`, ['-detached'], { env, timeout: 60_000 })
    await run(`${BIN}/rabbitmq-diagnostics`, ['-q', 'wait', `${dir}/rabbitmq.pid`, '--timeout', '120'], { env, timeout: 130_000 })
  } catch (err) {
    await stop()
    throw err
  }
  scope.after(stop)
  return { url: `amqp://guest:guest@127.0.0.1:${port}`, ctl: ctlWith(env) }
}

/**
 * Stops the RabbitMQ application (the Erlang node stays up, as with
 * `rabbitmqctl stop_app`); the scope starts it again even when the test fails.
 */
export async function stopBroker(broker: Broker, scope: Scope): Promise<() => Promise<void>> {
  let started = false
  const start = async () => {
    if (started) return
    started = true
    await broker.ctl('start_app')
    await broker.ctl('await_startup')
  }
  scope.after(start)
  await broker.ctl('stop_app')
  return start
}

/** Raises a memory alarm so the broker blocks publishers; the scope lifts it even when the test fails. */
export async function blockPublishers(broker: Broker, scope: Scope): Promise<() => Promise<void>> {
  let lifted = false
  const lift = async () => {
    if (lifted) return
    lifted = true
    await broker.ctl('set_vm_memory_high_watermark', '0.4')
  }
  scope.after(lift)
  await broker.ctl('set_vm_memory_high_watermark', '0.0000001')
  return lift
}

export interface BusNames {
  /** Environment for buildApp / the child processes. */
  env: { AMQP_URL: string; EVENTS_EXCHANGE: string; EVENTS_QUEUE_PREFIX: string }
  exchange: string
  prefix: string
  queue(name: string): string
  deadLetterQueue(name: string): string
}

/** Every service's consumer queue: a publisher of the app declares them all (with the given ones, deleted at the end). */
const SERVICE_QUEUES = SERVICES.flatMap((s) => (s.subscription ? [s.subscription.queue] : []))

/**
 * An exchange and a queue prefix of their own, so test files running in
 * parallel never share a queue; the queues and exchanges are deleted when the scope ends.
 */
export function uniqueBusNames(scope: Scope, extraQueues: string[] = [], broker: Pick<Broker, 'url'> = sharedBroker): BusNames {
  const queues = [...new Set([...SERVICE_QUEUES, ...extraQueues])]
  const id = randomBytes(4).toString('hex')
  const exchange = `test.${id}.events`
  const prefix = `test.${id}.`
  const names: BusNames = {
    env: { AMQP_URL: broker.url, EVENTS_EXCHANGE: exchange, EVENTS_QUEUE_PREFIX: prefix },
    exchange,
    prefix,
    queue: (name) => `${prefix}${name}`,
    deadLetterQueue: (name) => `${prefix}${name}.dlq`,
  }
  scope.after(async () => {
    const conn = await amqp.connect(broker.url).catch(() => undefined)
    if (!conn) return // the broker is gone (a private one stopped first): nothing left to delete
    // One channel per step: a broker error (404) closes the channel it happens on.
    const step = async (fn: (ch: amqp.Channel) => Promise<unknown>) => {
      const ch = await conn.createChannel()
      ch.on('error', () => {})
      await fn(ch).catch(() => {})
      await ch.close().catch(() => {})
    }
    try {
      for (const q of queues) {
        await step((ch) => ch.deleteQueue(names.queue(q)))
        await step((ch) => ch.deleteQueue(names.deadLetterQueue(q)))
      }
      await step((ch) => ch.deleteExchange(exchange))
      await step((ch) => ch.deleteExchange(`${exchange}.dlx`))
    } finally {
      await conn.close().catch(() => {})
    }
  })
  return names
}

/** Messages ready in a queue, straight from the broker. */
export async function queueDepth(queue: string, broker: Pick<Broker, 'url'> = sharedBroker): Promise<number> {
  const conn = await amqp.connect(broker.url)
  try {
    const ch = await conn.createChannel()
    return (await ch.checkQueue(queue)).messageCount
  } finally {
    await conn.close().catch(() => {})
  }
}

/** Publishes raw bytes to the exchange, as a broken producer would. */
export async function publishRaw(exchange: string, routingKey: string, body: Buffer, messageId: string, broker: Pick<Broker, 'url'> = sharedBroker): Promise<void> {
  const conn = await amqp.connect(broker.url)
  try {
    const ch = await conn.createConfirmChannel()
    ch.publish(exchange, routingKey, body, { persistent: true, messageId })
    await ch.waitForConfirms()
  } finally {
    await conn.close().catch(() => {})
  }
}
