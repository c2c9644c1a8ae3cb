/**
 * The one place where an amount of money is divided: a share of an amount in
 * integer minor units, rounded half up (amounts are never negative here) to a
 * whole minor unit. BigInt all the way, so no float ever holds a price.
 *
 * Tax is rounded once per order (on its taxable total), never per line: the
 * tax lines then add up to the order's tax exactly and a customer cannot gain a
 * cent by splitting a line.
 */
export function share(amount: number, numerator: number, denominator: number): number {
  for (const n of [amount, numerator, denominator]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`money: ${n} is not a non-negative integer`)
  }
  if (denominator === 0) throw new Error('money: division by zero')
  const num = BigInt(amount) * BigInt(numerator)
  const den = BigInt(denominator)
  // Half up: add half the divisor before the integer division (which truncates).
  return Number((2n * num + den) / (2n * den))
}

/** percent (1-100) of an amount: a percentage discount. */
export function percentOf(amount: number, percent: number): number {
  return share(amount, percent, 100)
}

/** The tax on a net amount at a rate in basis points (2000 = 20 %). */
export function taxOnNet(net: number, rateBp: number): number {
  return share(net, rateBp, 10_000)
}

/** The tax contained in a gross amount at a rate in basis points: gross × r / (1 + r). */
export function taxInGross(gross: number, rateBp: number): number {
  return share(gross, rateBp, 10_000 + rateBp)
}
