import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { AppError } from '../../src/platform/errors.js'
import { percentOf, share, taxInGross, taxOnNet } from '../../src/services/order/money.js'
import { precheck, priceOrder, type DiscountCode, type PricingContext, type Promotion } from '../../src/services/order/pricing.js'

describe('money: one rounding rule, half up, in whole minor units', () => {
  test('a share of an amount rounds half up, table-driven', () => {
    const cases: [number, number, number, number][] = [
      // amount, numerator, denominator, expected
      [1000, 2000, 10_000, 200],
      [5, 1, 2, 3], // 2.5 -> 3
      [3, 1, 2, 2], // 1.5 -> 2
      [1, 1, 3, 0], // 0.33 -> 0
      [2, 1, 3, 1], // 0.67 -> 1
      [0, 2000, 10_000, 0],
      [2_000_000_000, 9999, 10_000, 1_999_800_000],
    ]
    for (const [a, n, d, want] of cases) assert.equal(share(a, n, d), want, `${a} × ${n} / ${d}`)
  })

  test('amounts where a float would round the wrong way come out exact', () => {
    // 1.005 × 100 is 100.49999999999999 in floating point: half up must still give 101 (1005 × 1/10 = 100.5).
    assert.equal(share(1005, 1, 10), 101)
    // 17.5 % of 180 is 31.5: half up is 32, but 180 * 0.175 is 31.499999999999996 in floating point.
    assert.equal(taxOnNet(180, 1750), 32)
    assert.equal(Math.round(180 * 0.175), 31, 'the float version really does get this one wrong')
  })

  test('percent, net tax and the tax inside a gross amount', () => {
    assert.equal(percentOf(18197, 10), 1820) // 1819.7
    assert.equal(percentOf(15, 10), 2) // 1.5
    assert.equal(taxOnNet(1999, 2000), 400) // 399.8
    assert.equal(taxInGross(1200, 2000), 200) // 1200 / 6
    assert.equal(taxInGross(1999, 2000), 333) // 333.17
    assert.equal(taxInGross(1000, 0), 0)
  })

  test('a fraction, a negative or an unsafe number is a bug, never rounded silently', () => {
    for (const bad of [1.5, -1, Number.NaN, 2 ** 53]) assert.throws(() => share(bad, 1, 1), /not a non-negative integer/)
    assert.throws(() => share(1, 1, 0), /division by zero/)
  })
})

const NOW = new Date('2026-12-01T12:00:00Z')
function code(over: Partial<DiscountCode & { uses: number; customer_uses: number }> = {}) {
  return {
    id: 7, code: 'SAVE10', kind: 'percentage' as const, percent_off: 10, amount_off: null, currency: null, min_subtotal: 0,
    starts_at: null, ends_at: null, max_uses: null, max_uses_per_customer: null, active: true, uses: 0, customer_uses: 0, ...over,
  }
}
function ctx(over: Partial<PricingContext> = {}): PricingContext {
  return { now: NOW, shipsAnywhere: false, shippingOptions: [], taxRate: null, promotions: [], code: null, pricesIncludeTax: false, ...over }
}
const standard = { id: 1, name: 'Standard', currency: 'USD', price: 500, free_above: 5000, weight_rates: null }
const express = { id: 2, name: 'Express', currency: 'USD', price: 1500, free_above: null, weight_rates: null }
const parcel = { id: 3, name: 'Parcel', currency: 'USD', price: 0, free_above: 10_000, weight_rates: [{ upToGrams: 1000, price: 400 }, { upToGrams: 5000, price: 900 }] }
function promotion(over: Partial<Promotion> = {}): Promotion {
  return { id: 1, name: 'Winter sale', kind: 'percentage', percent_off: 10, amount_off: null, currency: null, min_subtotal: 0, ...over }
}
const errorCode = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as AppError).code
  }
  return 'no error'
}

describe('pricing an order', () => {
  test('no code, no shipping options, no tax rate: the total is the subtotal, as before', () => {
    const b = priceOrder(ctx(), { country: 'GB' }, 'USD', 18197)
    assert.deepEqual([b.discount, b.shipping, b.taxLines, b.tax, b.total], [null, null, [], 0, 18197])
  })

  test('a percentage code, the cheapest shipping by default, net tax on goods after discount plus shipping', () => {
    const c = ctx({ code: code(), shipsAnywhere: true, shippingOptions: [express, standard], taxRate: { country: 'GB', region: '', name: 'VAT', rate_bp: 2000 } })
    const b = priceOrder(c, { country: 'GB', discountCode: 'SAVE10' }, 'USD', 4999)
    assert.equal(b.discount!.amount, 500) // 499.9
    assert.deepEqual(b.shipping, { optionId: 1, name: 'Standard', amount: 500 })
    assert.deepEqual(b.shippingOptions.map((o) => [o.id, o.price]), [[1, 500], [2, 1500]])
    assert.equal(b.tax, 1000) // 20 % of 4499 + 500 = 999.8
    assert.equal(b.total, 4999 - 500 + 500 + 1000)
    assert.deepEqual(b.taxLines, [{ name: 'VAT', country: 'GB', region: null, rateBasisPoints: 2000, amount: 1000 }])
  })

  test('with prices that include tax the tax is the part of the total that is tax', () => {
    const b = priceOrder(ctx({ pricesIncludeTax: true, taxRate: { country: 'DE', region: '', name: 'MwSt', rate_bp: 1900 } }), { country: 'DE' }, 'EUR', 11900)
    assert.equal(b.tax, 1900)
    assert.equal(b.total, 11900)
  })

  test('free shipping once the goods after the discount reach freeAbove (not before)', () => {
    const c = ctx({ code: code(), shipsAnywhere: true, shippingOptions: [standard] })
    assert.equal(priceOrder(c, { country: 'GB' }, 'USD', 5000).shipping!.amount, 0)
    // 5500 - 10 % = 4950 < 5000: shipping is charged.
    assert.equal(priceOrder(c, { country: 'GB', discountCode: 'SAVE10' }, 'USD', 5500).shipping!.amount, 500)
  })

  test('a fixed code takes at most the subtotal; the minimum subtotal is checked before the discount', () => {
    const fixed = code({ kind: 'fixed', percent_off: null, amount_off: 2000, currency: 'USD', min_subtotal: 1000 })
    assert.equal(priceOrder(ctx({ code: fixed }), { country: 'GB', discountCode: 'SAVE10' }, 'USD', 1500).total, 0)
    assert.equal(errorCode(() => priceOrder(ctx({ code: fixed }), { country: 'GB', discountCode: 'SAVE10' }, 'USD', 999)), 'DISCOUNT_CODE_MINIMUM_NOT_MET')
    assert.equal(errorCode(() => priceOrder(ctx({ code: fixed }), { country: 'GB', discountCode: 'SAVE10' }, 'EUR', 5000)), 'DISCOUNT_CODE_CURRENCY')
  })

  test('every refusal of a code or a shipping choice has its own code, table-driven', () => {
    const day = 86_400_000
    const cases: [string, PricingContext, Parameters<typeof precheck>[1]][] = [
      ['DISCOUNT_CODE_INVALID', ctx(), { country: 'GB', discountCode: 'NOPE' }],
      ['DISCOUNT_CODE_INVALID', ctx({ code: code({ active: false }) }), { country: 'GB', discountCode: 'SAVE10' }],
      ['DISCOUNT_CODE_NOT_STARTED', ctx({ code: code({ starts_at: new Date(NOW.getTime() + day) }) }), { country: 'GB', discountCode: 'SAVE10' }],
      ['DISCOUNT_CODE_EXPIRED', ctx({ code: code({ ends_at: NOW.toISOString() }) }), { country: 'GB', discountCode: 'SAVE10' }],
      ['DISCOUNT_CODE_USED_UP', ctx({ code: code({ max_uses: 10, uses: 10 }) }), { country: 'GB', discountCode: 'SAVE10' }],
      ['DISCOUNT_CODE_CUSTOMER_LIMIT', ctx({ code: code({ max_uses_per_customer: 1, customer_uses: 1 }) }), { country: 'GB', discountCode: 'SAVE10' }],
      ['SHIPPING_UNAVAILABLE', ctx({ shipsAnywhere: true }), { country: 'NZ' }],
      ['SHIPPING_OPTION_UNAVAILABLE', ctx({ shipsAnywhere: true, shippingOptions: [standard] }), { country: 'GB', shippingOption: 2 }],
    ]
    for (const [want, c, choice] of cases) {
      assert.equal(errorCode(() => precheck(c, choice)), want, `precheck: ${JSON.stringify(choice)}`)
      assert.equal(errorCode(() => priceOrder(c, choice, 'USD', 1000)), want, `priceOrder: ${JSON.stringify(choice)}`)
    }
  })

  test('options in another currency than the cart are not offered', () => {
    const c = ctx({ shipsAnywhere: true, shippingOptions: [{ ...standard, currency: 'EUR' }] })
    assert.equal(errorCode(() => priceOrder(c, { country: 'GB' }, 'USD', 1000)), 'SHIPPING_UNAVAILABLE')
  })

  test('the best running promotion applies by itself; a code comes off what it left, its minimum checked on the subtotal', () => {
    const promotions = [
      promotion({ id: 1, name: '10 % off', percent_off: 10 }),
      promotion({ id: 2, name: '15 off 100', kind: 'fixed', percent_off: null, amount_off: 1500, currency: 'USD', min_subtotal: 10_000 }),
      promotion({ id: 3, name: 'Euro only', percent_off: 50, currency: 'EUR' }),
    ]
    const small = priceOrder(ctx({ promotions }), { country: 'GB' }, 'USD', 9000)
    assert.deepEqual(small.promotion, { promotionId: 1, name: '10 % off', amount: 900 }, 'below the fixed one’s minimum; the euro one is another currency')
    assert.equal(small.total, 8100)
    const big = priceOrder(ctx({ promotions }), { country: 'GB' }, 'USD', 12_000)
    assert.deepEqual(big.promotion, { promotionId: 2, name: '15 off 100', amount: 1500 }, 'worth more than 10 % (1200): they never stack')
    const withCode = priceOrder(ctx({ promotions, code: code({ min_subtotal: 9000, currency: 'USD' }) }), { country: 'GB', discountCode: 'SAVE10' }, 'USD', 9000)
    assert.equal(withCode.promotion!.amount, 900)
    assert.equal(withCode.discount!.amount, 810, '10 % of the 8100 the promotion left; the minimum (9000) is the subtotal’s')
    assert.equal(withCode.total, 9000 - 900 - 810)
    const fixedCode = code({ kind: 'fixed', percent_off: null, amount_off: 9000, currency: 'USD' })
    assert.equal(priceOrder(ctx({ promotions, code: fixedCode }), { country: 'GB', discountCode: 'SAVE10' }, 'USD', 9000).total, 0, 'never below zero')
    const tie = [promotion({ id: 5, name: 'later' }), promotion({ id: 4, name: 'earlier' })]
    assert.equal(priceOrder(ctx({ promotions: tie }), { country: 'GB' }, 'USD', 1000).promotion!.name, 'earlier', 'of equals, the oldest')
  })

  test('weight-based shipping: the first bracket the parcel fits; too heavy for it, the option is not offered', () => {
    const c = ctx({ shipsAnywhere: true, shippingOptions: [parcel, express] })
    const price = (grams: number) => priceOrder(c, { country: 'GB' }, 'USD', 2000, grams).shippingOptions.map((o) => [o.name, o.price])
    assert.deepEqual(price(0), [['Parcel', 400], ['Express', 1500]])
    assert.deepEqual(price(1000), [['Parcel', 400], ['Express', 1500]], 'up to and including the bracket')
    assert.deepEqual(price(1001), [['Parcel', 900], ['Express', 1500]])
    assert.deepEqual(price(5001), [['Express', 1500]], 'heavier than every bracket')
    assert.equal(errorCode(() => priceOrder(c, { country: 'GB', shippingOption: 3 }, 'USD', 2000, 6000)), 'SHIPPING_OPTION_UNAVAILABLE')
    assert.equal(errorCode(() => priceOrder(ctx({ shipsAnywhere: true, shippingOptions: [parcel] }), { country: 'GB' }, 'USD', 2000, 6000)), 'SHIPPING_UNAVAILABLE')
    assert.equal(priceOrder(c, { country: 'GB' }, 'USD', 10_000, 4000).shipping!.amount, 0, 'free above still applies')
  })
})
