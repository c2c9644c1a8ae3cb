import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import { loggerOptions } from '../../src/platform/logger.js'
import { buildTestApp, logCapture } from '../helpers/build-app.js'
import { addToCart, checkout, GOOD_CARD, shopper } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/** Error logs must help a developer without handing out customers' personal data. */

const ADA = { name: 'Augusta Ada King', line1: '12 Analytical Row', city: 'Marylebone', postalCode: 'NW1 6XE', country: 'GB', phone: '+44 20 7946 0958' }

for (const adapters of ['embedded', 'real'] as const) {
  describe(`log redaction (${adapters})`, () => {
    test('regression: a failed statement logged its parameters (e-mail, whole address); the error line keeps the SQL error, not the data', async (t) => {
      const logs = logCapture()
      const built = await buildTestApp(t, {
        adapters,
        env: { LOG_LEVEL: 'info', BACKGROUND_WORKERS: 'false', AUTH_RATE_LIMIT_MAX: '10000' },
        logDestination: logs.destination,
      })
      const { ids } = await seedProductFixture(built.deps.db)
      const who = await shopper(built, 'ada.private')
      await addToCart(built, who, ids.kettle, 1)
      // The database refuses the order's row: PGlite's error carries the parameters, PostgreSQL's the failing row.
      await built.deps.db.exec(`alter table orders.orders add constraint refuse_all check (shipping_address->>'city' <> 'Marylebone')`)
      const res = await checkout(built, who, { body: { shippingAddress: ADA, payment: { card: GOOD_CARD } } })
      assert.equal(res.statusCode, 500, res.body)
      const text = logs.lines()
      assert.match(text, /"msg":"request failed"/)
      assert.match(text, /refuse_all/, 'the constraint that failed is still there for a developer')
      for (const secret of [who.email, ADA.name, ADA.line1, ADA.postalCode, ADA.phone, 'Marylebone', '4242 4242']) {
        assert.ok(!text.includes(secret), `${secret} in the log`)
      }
    })
  })
}

test('objects logged with personal fields and data-exception messages are redacted', () => {
  const lines: string[] = []
  const log = pino(loggerOptions({ LOG_LEVEL: 'info', LOG_PRETTY: false }, 'test'), { write: (l: string) => void lines.push(l) })
  log.info({ email: 'eve@example.com', order: { customerEmail: 'eve@example.com', shippingAddress: { line1: '1 Secret St' } }, card: { number: '4000000000000002' } }, 'x')
  const dataException = Object.assign(new Error('invalid input syntax for type uuid: "eve@example.com"'), { code: '22P02' })
  log.error({ err: Object.assign(new Error('boom', { cause: Object.assign(new Error('inner'), { params: ['eve@example.com'] }) }), { detail: 'Key (email)=(eve@example.com) already exists.' }) }, 'y')
  log.error({ err: dataException }, 'z')
  // A mail server's refusal, as the consumers log it (an error, or only its message).
  log.error({ err: new Error('mail server refused the message (550: 5.1.1 <eve@example.com>: Recipient address rejected)') }, 'dead-lettered')
  log.warn({ err: { code: 'MAIL_REJECTED', message: 'refused <eve@example.com>' } }, 'event handling failed')
  log.error({ err: '550 eve@example.com unknown' }, 'dead-lettered')
  const text = lines.join('')
  assert.ok(!text.includes('eve@example.com'), text)
  assert.ok(!text.includes('Secret St'))
  assert.ok(!text.includes('4000000000000002'))
  assert.match(text, /invalid input syntax for type uuid: \\"\[redacted\]\\"/)
  assert.match(text, /Recipient address rejected/)
})
