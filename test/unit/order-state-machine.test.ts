import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { canApply, isFinal, nextStatus, ORDER_STATUSES, TRANSITIONS, type OrderAction, type OrderStatus } from '../../src/services/order/state-machine.js'

const ACTIONS = Object.keys(TRANSITIONS) as OrderAction[]

test('the happy path: pending_payment -> paid -> shipped -> delivered', () => {
  let s: OrderStatus = 'pending_payment'
  for (const a of ['pay', 'ship', 'deliver'] as const) s = nextStatus(s, a)!
  assert.equal(s, 'delivered')
  assert.ok(isFinal('delivered'))
})

test('only unpaid and paid orders can be cancelled', () => {
  assert.deepEqual(
    ORDER_STATUSES.filter((s) => canApply(s, 'cancel')),
    ['pending_payment', 'paid'],
  )
})

test('for any sequence of actions, only allowed transitions happen and final states stay final', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...ACTIONS), { maxLength: 30 }), (actions) => {
      let status: OrderStatus = 'pending_payment'
      const seen: OrderStatus[] = [status]
      for (const a of actions) {
        const next = nextStatus(status, a)
        if (next === undefined) {
          assert.ok(!TRANSITIONS[a].from.includes(status))
          continue
        }
        assert.ok(!isFinal(status), `left final state ${status}`)
        status = next
        seen.push(status)
      }
      // Statuses only move forward: no status comes back once left.
      assert.equal(new Set(seen).size, seen.length)
      // Shipped and delivered only ever follow paid.
      if (seen.includes('shipped')) assert.ok(seen.indexOf('paid') < seen.indexOf('shipped'))
      if (seen.includes('cancelled')) assert.ok(!seen.includes('shipped'))
    }),
    { numRuns: 500 },
  )
})

test('a declined checkout ends its order: payment_failed comes only from pending_payment and is final', () => {
  assert.deepEqual(ORDER_STATUSES.filter((s) => canApply(s, 'fail')), ['pending_payment'])
  assert.equal(nextStatus('pending_payment', 'fail'), 'payment_failed')
  assert.ok(isFinal('payment_failed'))
})
