import type { Redis } from 'ioredis'
import { lineKey, parseLineKey, sumOrdered, type AddRefusal, type CartStore, type CartStoreOptions, type MergeOutcome, type StoredCart } from './cart-store.js'

/**
 * The cart store on Redis (production): one hash per cart at
 * `<REDIS_KEY_PREFIX>cart:<cart id>`, whose expiry is pushed back to the full
 * idle time by every read and write. Fields, by line key (lineKey: `<product id>.<variant id>`,
 * or `<product id>` for a line from before variants; the scripts treat it as opaque):
 *   q:<line>        quantity          p:<line>        seen unit price (minor units)
 *   o:<line>        line position     seq             last position given
 *   cur             currency          created         ms when the cart was made
 *   x:<order id>    ms when that order was taken out (idempotency of removeOrdered)
 * Every read-modify-write is one Lua script, so it is atomic on the server and
 * instances never interleave on one cart. The scripts mirror planAdd and
 * planMerge in cart-store.ts.
 */

// Returns the hash and refreshes its expiry (ARGV: ttl).
const GET = `
local h = redis.call('HGETALL', KEYS[1])
if #h > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return h`

// ARGV: line key, quantity, stock, max quantity, max lines, unit price, currency, ttl, now (ms).
const ADD = `
local key, pid = KEYS[1], ARGV[1]
local qty, stock, maxQty, maxLines = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HGETALL', key)
local lines, existing, cur = 0, 0, false
for i = 1, #h, 2 do
  local f = h[i]
  if string.sub(f, 1, 2) == 'q:' then
    lines = lines + 1
    if f == 'q:' .. pid then existing = tonumber(h[i + 1]) end
  elseif f == 'cur' then cur = h[i + 1] end
end
if lines > 0 and cur and cur ~= ARGV[7] then return {'CURRENCY_MISMATCH', existing} end
local total = existing + qty
if total > maxQty then return {'QUANTITY_LIMIT', existing} end
if total > stock then return {'OUT_OF_STOCK', existing} end
if existing == 0 and lines >= maxLines then return {'CART_FULL', existing} end
if existing == 0 then redis.call('HSET', key, 'o:' .. pid, redis.call('HINCRBY', key, 'seq', 1)) end
redis.call('HSET', key, 'q:' .. pid, total, 'p:' .. pid, ARGV[6], 'cur', ARGV[7])
redis.call('HSETNX', key, 'created', ARGV[9])
redis.call('EXPIRE', key, ARGV[8])
return {'OK', total}`

// ARGV: line key, quantity, seen price, ttl.
const SET_QUANTITY = `
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'q:' .. ARGV[1], ARGV[2], 'p:' .. ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`

// ARGV: line key, ttl.
const REMOVE = `
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[1], 'q:' .. ARGV[1], 'p:' .. ARGV[1], 'o:' .. ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`

// Drops the lines and the currency, keeps the rest (ARGV: ttl).
const CLEAR = `
local fields = redis.call('HKEYS', KEYS[1])
for _, f in ipairs(fields) do
  local p = string.sub(f, 1, 2)
  if p == 'q:' or p == 'p:' or p == 'o:' or f == 'cur' then redis.call('HDEL', KEYS[1], f) end
end
if #fields > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1`

// ARGV: order id, now (ms), how long order ids are remembered (ms), ttl, then line key, quantity pairs.
const REMOVE_ORDERED = `
local key, marker, now = KEYS[1], 'x:' .. ARGV[1], tonumber(ARGV[2])
if redis.call('HEXISTS', key, marker) == 1 then
  redis.call('EXPIRE', key, ARGV[4])
  return 0
end
local h = redis.call('HGETALL', key)
for i = 1, #h, 2 do
  if string.sub(h[i], 1, 2) == 'x:' and tonumber(h[i + 1]) <= now - tonumber(ARGV[3]) then redis.call('HDEL', key, h[i]) end
end
for i = 5, #ARGV, 2 do
  local pid = ARGV[i]
  local have = tonumber(redis.call('HGET', key, 'q:' .. pid) or '0')
  if have > 0 then
    local left = have - tonumber(ARGV[i + 1])
    if left <= 0 then redis.call('HDEL', key, 'q:' .. pid, 'p:' .. pid, 'o:' .. pid)
    else redis.call('HSET', key, 'q:' .. pid, left) end
  end
end
redis.call('HSET', key, marker, ARGV[2])
redis.call('HSETNX', key, 'created', ARGV[2])
redis.call('EXPIRE', key, ARGV[4])
return 1`

// KEYS: from, into. ARGV: max quantity, max lines, ttl, now (ms), then line key, cap, currency triplets.
// Returns nil when there is no cart to merge, else per guest line: line key, guest quantity, before, after, refusal.
// Both keys in one script: fine on one Redis (or Sentinel); Redis Cluster would need a take-then-add in two steps.
const MERGE = `
local from, into = KEYS[1], KEYS[2]
local maxQty, maxLines = tonumber(ARGV[1]), tonumber(ARGV[2])
local g = redis.call('HGETALL', from)
if #g == 0 then return false end
local gq, gp, go, gcur, order = {}, {}, {}, false, {}
for i = 1, #g, 2 do
  local f, v = g[i], g[i + 1]
  local p, pid = string.sub(f, 1, 2), string.sub(f, 3)
  if p == 'q:' then gq[pid] = tonumber(v); table.insert(order, pid)
  elseif p == 'p:' then gp[pid] = v
  elseif p == 'o:' then go[pid] = tonumber(v)
  elseif f == 'cur' then gcur = v end
end
table.sort(order, function(a, b) return (go[a] or 0) < (go[b] or 0) end)
redis.call('DEL', from)
local u = redis.call('HGETALL', into)
local have, lines, ucur = {}, 0, false
for i = 1, #u, 2 do
  local f = u[i]
  if string.sub(f, 1, 2) == 'q:' then have[string.sub(f, 3)] = tonumber(u[i + 1]); lines = lines + 1
  elseif f == 'cur' then ucur = u[i + 1] end
end
local currency = false
if lines > 0 then currency = ucur end
local caps, curs = {}, {}
for i = 5, #ARGV, 3 do caps[ARGV[i]] = tonumber(ARGV[i + 1]); curs[ARGV[i]] = ARGV[i + 2] end
local out = {}
for _, pid in ipairs(order) do
  local before = have[pid] or 0
  local ccur = curs[pid] or gcur or currency or ''
  local after, refusal = before, ''
  if currency and ccur ~= currency then refusal = 'CURRENCY_MISMATCH'
  elseif before == 0 and lines >= maxLines then refusal = 'CART_FULL'
  else
    local want = math.min(before + gq[pid], caps[pid] or maxQty, maxQty)
    if want > before then
      after = want
      if before == 0 then
        lines = lines + 1
        redis.call('HSET', into, 'o:' .. pid, redis.call('HINCRBY', into, 'seq', 1), 'p:' .. pid, gp[pid] or '0')
      end
      redis.call('HSET', into, 'q:' .. pid, after)
      if not currency then currency = ccur end
      have[pid] = after
    end
  end
  for _, v in ipairs({pid, gq[pid], before, after, refusal}) do table.insert(out, v) end
end
if currency then redis.call('HSET', into, 'cur', currency) end
redis.call('HSETNX', into, 'created', ARGV[4])
redis.call('EXPIRE', into, ARGV[3])
return out`

type Arg = string | number
interface CartCommands {
  emporiumCartGet(key: string, ttl: number): Promise<string[]>
  emporiumCartAdd(key: string, ...args: Arg[]): Promise<[string, number]>
  emporiumCartSet(key: string, ...args: Arg[]): Promise<number>
  emporiumCartRemove(key: string, ...args: Arg[]): Promise<number>
  emporiumCartClear(key: string, ttl: number): Promise<number>
  emporiumCartRemoveOrdered(key: string, ...args: Arg[]): Promise<number>
  emporiumCartMerge(from: string, into: string, ...args: Arg[]): Promise<(string | number)[] | null>
}

const SCRIPTS: [keyof CartCommands, string, number][] = [
  ['emporiumCartGet', GET, 1],
  ['emporiumCartAdd', ADD, 1],
  ['emporiumCartSet', SET_QUANTITY, 1],
  ['emporiumCartRemove', REMOVE, 1],
  ['emporiumCartClear', CLEAR, 1],
  ['emporiumCartRemoveOrdered', REMOVE_ORDERED, 1],
  ['emporiumCartMerge', MERGE, 2],
]

export interface RedisCartStoreOptions extends CartStoreOptions {
  /** REDIS_KEY_PREFIX; carts live under <prefix>cart:. */
  keyPrefix: string
}

export function createRedisCartStore(redis: Redis, options: RedisCartStoreOptions): CartStore {
  for (const [name, lua, numberOfKeys] of SCRIPTS) {
    if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys })
  }
  const r = redis as Redis & CartCommands
  const ttl = options.ttlSeconds
  const key = (cartId: string) => `${options.keyPrefix}cart:${cartId}`

  return {
    kind: 'redis',

    async get(cartId) {
      const flat = await r.emporiumCartGet(key(cartId), ttl)
      return flat.length === 0 ? undefined : parseCart(flat)
    },

    async add(cartId, line, limits) {
      const [status, quantity] = await r.emporiumCartAdd(
        key(cartId),
        lineKey(line),
        line.quantity,
        line.stock,
        limits.maxQuantity,
        limits.maxLines,
        line.unitPrice,
        line.currency,
        ttl,
        Date.now(),
      )
      return status === 'OK' ? { ok: true, quantity } : { ok: false, refusal: status as AddRefusal, quantity }
    },

    async setQuantity(cartId, line, quantity, seenPrice) {
      return (await r.emporiumCartSet(key(cartId), lineKey(line), quantity, seenPrice, ttl)) === 1
    },

    async remove(cartId, line) {
      return (await r.emporiumCartRemove(key(cartId), lineKey(line), ttl)) === 1
    },

    async clear(cartId) {
      await r.emporiumCartClear(key(cartId), ttl)
    },

    async merge(fromId, intoId, caps, limits) {
      const args: Arg[] = [limits.maxQuantity, limits.maxLines, ttl, Date.now()]
      for (const [line, cap] of caps) args.push(line, cap.cap, cap.currency)
      const flat = await r.emporiumCartMerge(key(fromId), key(intoId), ...args)
      if (flat === null) return null
      const outcomes: MergeOutcome[] = []
      for (let i = 0; i < flat.length; i += 5) {
        const refusal = String(flat[i + 4])
        outcomes.push({
          ...parseLineKey(String(flat[i])),
          guestQuantity: Number(flat[i + 1]),
          before: Number(flat[i + 2]),
          after: Number(flat[i + 3]),
          ...(refusal ? { refusal: refusal as NonNullable<MergeOutcome['refusal']> } : {}),
        })
      }
      return outcomes
    },

    async removeOrdered(cartId, orderId, lines) {
      const args: Arg[] = [orderId, Date.now(), ttl * 1000, ttl]
      for (const [line, quantity] of sumOrdered(lines)) args.push(line, quantity)
      return (await r.emporiumCartRemoveOrdered(key(cartId), ...args)) === 1
    },

    async sweep() {
      // Redis expires idle carts itself.
      return 0
    },
  }
}

function parseCart(flat: string[]): StoredCart {
  const byProduct = new Map<string, { quantity?: number; seenPrice?: number; position?: number }>()
  let currency: string | null = null
  const entry = (pid: string) => byProduct.get(pid) ?? byProduct.set(pid, {}).get(pid)!
  for (let i = 0; i < flat.length; i += 2) {
    const field = flat[i]!
    const value = flat[i + 1]!
    const kind = field.slice(0, 2)
    if (kind === 'q:') entry(field.slice(2)).quantity = Number(value)
    else if (kind === 'p:') entry(field.slice(2)).seenPrice = Number(value)
    else if (kind === 'o:') entry(field.slice(2)).position = Number(value)
    else if (field === 'cur') currency = value
  }
  const lines = [...byProduct]
    .filter(([, e]) => e.quantity !== undefined)
    .sort(([, a], [, b]) => (a.position ?? 0) - (b.position ?? 0))
    .map(([line, e]) => ({ ...parseLineKey(line), quantity: e.quantity!, seenPrice: e.seenPrice ?? 0 }))
  return { currency: lines.length > 0 ? currency : null, lines }
}
