import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Value } from '@sinclair/typebox/value'
import { payloadSchemas } from '../../src/services/notification/payloads.js'
import { MAILED_EVENTS } from '../../src/services/notification/subscriptions.js'
import { formatMoney, render, type TemplateSettings } from '../../src/services/notification/templates.js'

const settings: TemplateSettings = {
  shopName: 'Emporium',
  verifyUrl: 'https://shop.example/verify?token={token}',
  resetUrl: 'https://shop.example/reset?token={token}',
  orderUrl: 'https://shop.example/orders/{orderId}',
}
const order = { orderId: '0f8fad5b-d9cb-469f-a165-70867728950e', userId: 'u1', customerEmail: 'ada@example.com' }
const lines = [
  { productId: 1, name: 'Desk <b>"walnut"</b> & co', quantity: 2, unitPrice: { amount: 12_900, currency: 'EUR' } },
  { productId: 2, name: 'Lamp', quantity: 1, unitPrice: { amount: 4_950, currency: 'EUR' } },
]

describe('e-mail templates', () => {
  test('money in minor units is shown with the currency’s own decimals', () => {
    assert.equal(formatMoney({ amount: 12_345, currency: 'EUR' }), '€123.45')
    assert.equal(formatMoney({ amount: 500, currency: 'JPY' }), '¥500')
    assert.match(formatMoney({ amount: 1_000, currency: 'KWD' }), /^KWD\s1\.000$/u) // three decimals
    assert.equal(formatMoney({ amount: 5, currency: 'USD' }), '$0.05')
  })

  test('the order confirmation lists the lines and the total and links to the order', () => {
    const m = render('order.placed', { ...order, lines, total: { amount: 30_750, currency: 'EUR' } }, settings)
    assert.equal(m.template, 'order-confirmation')
    assert.equal(m.to, 'ada@example.com')
    assert.equal(m.subject, 'Your Emporium order 0F8FAD5B')
    assert.match(m.text, /2 × Desk <b>"walnut"<\/b> & co — €258\.00/)
    assert.match(m.text, /1 × Lamp — €49\.50/)
    assert.match(m.text, /Total: €307\.50/)
    assert.match(m.text, /https:\/\/shop\.example\/orders\/0f8fad5b-d9cb-469f-a165-70867728950e/)
  })

  test('text from events is escaped in the HTML version', () => {
    const m = render('order.placed', { ...order, lines, total: { amount: 30_750, currency: 'EUR' } }, settings)
    assert.match(m.html, /Desk &lt;b&gt;&quot;walnut&quot;&lt;\/b&gt; &amp; co/)
    assert.doesNotMatch(m.html, /<b>"walnut"/)
    const c = render('order.cancelled', { ...order, reason: '<script>alert(1)</script>', lines }, settings)
    assert.doesNotMatch(c.html, /<script>/)
    assert.match(c.text, /cancelled: <script>alert\(1\)<\/script>\./)
  })

  test('welcome, confirm-again and password-reset mails carry their links with the token URL-encoded', () => {
    const w = render('user.registered', { userId: 'u1', email: 'u@example.com', verificationToken: 'a+b/c=', verificationExpiresAt: '2030-01-02T03:04:05.000Z' }, settings)
    assert.equal(w.template, 'welcome-verify')
    assert.match(w.text, /https:\/\/shop\.example\/verify\?token=a%2Bb%2Fc%3D/)
    assert.match(w.text, /until 2030-01-02 03:04 UTC/)
    const r = render('user.password_reset_requested', { userId: 'u1', email: 'u@example.com', resetToken: 'tok', expiresAt: '2030-01-02T03:04:05.000Z' }, settings)
    assert.equal(r.template, 'password-reset')
    assert.match(r.html, /<a href="https:\/\/shop\.example\/reset\?token=tok">Choose a new password<\/a>/)
    const again = render('user.verification_requested', { userId: 'u1', email: 'u@example.com', verificationToken: 'a+b', verificationExpiresAt: '2030-01-02T03:04:05.000Z' }, settings)
    assert.equal(again.template, 'verify-email')
    assert.equal(again.subject, 'Confirm your e-mail address for Emporium')
    assert.match(again.text, /https:\/\/shop\.example\/verify\?token=a%2Bb/)
    assert.match(again.text, /until 2030-01-02 03:04 UTC/)
  })

  test('shipped shows the tracking number only when there is one; paid shows the amount', () => {
    assert.match(render('order.shipped', { ...order, trackingNumber: 'TRK-1' }, settings).text, /Tracking number: TRK-1/)
    assert.doesNotMatch(render('order.shipped', order, settings).text, /Tracking/)
    assert.match(render('order.paid', { ...order, paymentId: 'pay_1', total: { amount: 999, currency: 'USD' } }, settings).text, /\$9\.99 \(payment pay_1\)/)
  })

  test('every mailed event has its own template and a payload schema that accepts the contract’s payloads', () => {
    const samples = {
      'order.placed': { ...order, lines, total: { amount: 1, currency: 'EUR' } },
      'order.paid': { ...order, paymentId: 'p', total: { amount: 1, currency: 'EUR' } },
      'order.shipped': order,
      'order.cancelled': { ...order, reason: 'r', lines },
      'user.registered': { userId: 'u', email: 'u@example.com', verificationToken: 't', verificationExpiresAt: '2030-01-01T00:00:00Z' },
      'user.password_reset_requested': { userId: 'u', email: 'u@example.com', resetToken: 't', expiresAt: '2030-01-01T00:00:00Z' },
      'user.verification_requested': { userId: 'u', email: 'u@example.com', verificationToken: 't', verificationExpiresAt: '2030-01-01T00:00:00Z' },
    }
    assert.deepEqual([...MAILED_EVENTS].sort(), Object.keys(samples).sort())
    const names = MAILED_EVENTS.map((t) => render(t, samples[t] as never, settings).template)
    assert.equal(new Set(names).size, 7)
    for (const t of MAILED_EVENTS) assert.ok(Value.Check(payloadSchemas[t], samples[t]), t)
    assert.ok(!Value.Check(payloadSchemas['order.placed'], { ...samples['order.placed'], customerEmail: 'not an address' }))
  })
})
