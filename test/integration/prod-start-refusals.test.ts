import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { freePort } from '../helpers/ports.js'
import { servers } from '../helpers/servers.js'
import { runProd } from '../helpers/topology.js'

/** prod:start refuses bad input before it starts anything: one line naming the problem, exit 1. */
describe('prod:start refuses to half-start', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  async function start(extra: Record<string, string>) {
    const dir = mkdtempSync(path.join(tmpdir(), 'emporium-prod-refusal-'))
    dirs.push(dir)
    const ports = Object.fromEntries(await Promise.all(['NGINX', 'PRODUCT', 'CART', 'ORDER', 'AUTH', 'NOTIFICATION'].map(async (n) => [`${n}_PORT`, String(await freePort())])))
    const env = { PROD_DIR: dir, PROD_ENV_FILE: path.join(dir, 'none.env'), DATABASE_URL: servers.databaseUrl, REDIS_URL: servers.redisUrl, AMQP_URL: servers.amqpUrl, ...ports, ...extra }
    const result = await runProd('start', env, 60_000)
    const lines = result.stderr.trim().split('\n')
    return { ...result, lines, imagesDir: path.join(dir, 'images'), startedNothing: !existsSync(path.join(dir, 'prod-state.json')) && !existsSync(path.join(dir, 'pm2')) }
  }

  test('a malformed topology setting is named, nothing starts', async () => {
    const r = await start({ ORDER_INSTANCES: 'lots' })
    assert.equal(r.code, 1)
    assert.equal(r.lines.length, 1, r.stderr)
    assert.match(r.lines[0]!, /^prod: invalid configuration: ORDER_INSTANCES must be 'max' or a number/)
    assert.ok(r.startedNothing)
  })

  test("a malformed service setting is named with the app it belongs to", async () => {
    const r = await start({ PRODUCT_RATE_LIMIT_MAX: '-5', DATABASE_URL: 'mysql://nope' })
    assert.equal(r.code, 1)
    assert.equal(r.lines.length, 1, r.stderr)
    assert.match(r.lines[0]!, /product-service: .*PRODUCT_RATE_LIMIT_MAX/)
    assert.match(r.lines[0]!, /DATABASE_URL/)
    assert.ok(r.startedNothing)
  })

  test('a port in use is named with its variable', async () => {
    const busy = net.createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as net.AddressInfo).port
    try {
      const r = await start({ CART_PORT: String(port) })
      assert.equal(r.code, 1)
      assert.equal(r.lines.at(-1), `prod: port ${port} (CART_PORT) is in use: stop what listens there or set CART_PORT to another port`)
      assert.ok(r.startedNothing)
    } finally {
      busy.close()
    }
  })

  test('an IMAGES_DIR that nginx’s workers (www-data, under root) cannot reach is named with the directory in the way', { skip: process.getuid?.() !== 0 && 'as another user than root nginx’s workers run as the caller' }, async () => {
    const r = await start({})
    // mkdtemp makes PROD_DIR 0700; IMAGES_DIR defaults to <PROD_DIR>/images.
    const prodDir = path.dirname(r.imagesDir)
    assert.equal(r.code, 1)
    assert.equal(r.lines.at(-1), `prod: IMAGES_DIR ${r.imagesDir}: nginx's workers (www-data) cannot enter ${prodDir} (mode 700): run chmod o+x ${prodDir}, or set IMAGES_DIR to a directory they can reach`)
    assert.ok(r.startedNothing)
  })

  test('pools x instances above PostgreSQL max_connections: the numbers are in the message', async () => {
    const r = await start({ PRODUCT_INSTANCES: '12', PRODUCT_DB_POOL_MAX: '50' })
    assert.equal(r.code, 1)
    assert.match(r.lines.at(-1)!, /^prod: PostgreSQL allows \d+ connections \(max_connections \d+ - \d+ reserved\) but the pools need \d+ \(product 50x12, cart \d+x\d+, order 30x4, auth 20x4, notification \d+x2\)/)
    assert.ok(r.startedNothing)
  })
})
