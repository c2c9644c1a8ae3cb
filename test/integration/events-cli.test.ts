import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { appendEvent } from '../../src/platform/events/outbox.js'
import { buildTestApp } from '../helpers/build-app.js'
import { cleanupScope, until } from '../helpers/events.js'
import { createTestProducer } from '../helpers/outbox-producer.js'
import { uniqueBusNames } from '../helpers/rabbitmq.js'
import { startSmtpServer } from '../helpers/smtp.js'

const run = promisify(execFile)

async function events(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/events.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

test('npm run events -- status shows outbox backlogs, queue depths and dead letters; replay-dlq moves dead letters back', async (t) => {
  const scope = cleanupScope(t)
  const smtp = await startSmtpServer(scope)
  const names = uniqueBusNames(scope, ['notification'])
  const { deps, config } = await buildTestApp(scope, {
    adapters: 'real',
    services: 'notification',
    env: { ...names.env, SMTP_URL: smtp.url, OUTBOX_POLL_MS: '20' },
  })
  // A dead letter: the mail server refuses the first e-mail for good.
  let refuse = true
  smtp.reply = () => (refuse ? { code: 550, message: 'no such mailbox' } : undefined)
  const producer = await createTestProducer(deps.db)
  await deps.bus.startRelay(deps.db, 'testorders')
  await producer.placeOrder()
  await until('one dead letter', async () => ((await deps.bus.queueStats('notification')).deadLetters === 1 ? true : undefined))
  // A backlog: an auth event nobody relays in this process.
  await deps.db.transaction((tx) =>
    appendEvent(tx, 'auth', {
      type: 'user.email_verified',
      aggregateType: 'user',
      aggregateId: 'u-1',
      payload: { userId: 'u-1', email: 'u@example.com' },
    }),
  )
  const env = { DATABASE_URL: String(config.DATABASE_URL), ...names.env }

  const status = await events(env, 'status', '--json')
  assert.equal(status.code, 0, status.stderr)
  const body = JSON.parse(status.stdout) as { bus: string; outboxes: { service: string; unpublished: number }[]; queues: { queue: string; deadLetters: number; consumers: number; ready: number }[] }
  assert.equal(body.bus, 'rabbitmq')
  assert.equal(body.outboxes.find((o) => o.service === 'auth')?.unpublished, 1)
  assert.deepEqual(
    body.queues.find((q) => q.queue === 'notification'),
    { queue: 'notification', ready: 0, consumers: 1, deadLetters: 1 },
  )

  const human = await events(env, 'status')
  assert.match(human.stdout, /notification\s+0\s+1\s+1/)
  assert.match(human.stdout, /1 dead letter\(s\): fix the cause, then: npm run events -- replay-dlq/)
  assert.doesNotMatch(human.stdout, /guest:guest/, 'no credentials printed')

  refuse = false
  const replay = await events(env, 'replay-dlq', 'notification', '--json')
  assert.equal(replay.code, 0, replay.stderr)
  assert.deepEqual(JSON.parse(replay.stdout), { bus: 'rabbitmq', replayed: { notification: 1 } }, 'only the queue asked for')
  await until('the e-mail after the replay', () => (smtp.received.length === 1 ? true : undefined))
  assert.equal((await deps.bus.queueStats('notification')).deadLetters, 0)

  const wrong = await events(env, 'explode')
  assert.equal(wrong.code, 2)
  assert.match(wrong.stderr, /usage: npm run events -- status/)
})
