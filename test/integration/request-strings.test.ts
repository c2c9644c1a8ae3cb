import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RouteOptions } from 'fastify'
import type { BuiltApp } from '../../src/app.js'
import { validatorCompiler } from '../../src/platform/validation.js'
import { buildTestApp } from '../helpers/build-app.js'
import { admin } from '../helpers/order-fixture.js'
import { sampleOf, stringPaths, valueAt, withValue } from '../helpers/schema-samples.js'

/**
 * Every string a client can send, on every route (public, admin, internal,
 * the dev mailbox): a control character in it is 400 VALIDATION naming the
 * field, never a 500 from the database or a 2xx. The requests are valid
 * samples of each route's schemas with one string changed.
 */

const PARTS = { params: 'params', querystring: 'querystring', headers: 'headers', body: 'body' } as const
type Part = keyof typeof PARTS

interface Walked {
  method: string
  url: string
  schema: Partial<Record<Part, Record<string, any>>>
  /** The route's own code for a malformed header (config.headerErrors), which it answers instead of VALIDATION. */
  headerCodes: Record<string, string>
}

const LIMITS = { PRODUCT_RATE_LIMIT_MAX: '100000', CART_RATE_LIMIT_MAX: '100000', ORDER_RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000', BACKGROUND_WORKERS: 'false' }

async function walkedShop(t: Parameters<typeof buildTestApp>[0]) {
  const routes: Walked[] = []
  const onRoute = (r: RouteOptions) => {
    const methods = ([] as string[]).concat(r.method)
    const schema = (r.schema ?? {}) as Walked['schema']
    if (!Object.keys(PARTS).some((p) => schema[p as Part])) return
    const headerCodes = Object.fromEntries(Object.entries(r.config?.headerErrors ?? {}).map(([name, e]) => [name, e.invalid().code]))
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: r.url, schema, headerCodes })
  }
  const built = await buildTestApp(t, { env: LIMITS, onRoute })
  const boss = await admin(built)
  return { built, routes, headers: { ...boss.headers, 'x-internal-token': built.deps.peers.internalToken } }
}

function request(built: BuiltApp, route: Walked, values: Partial<Record<Part, any>>, headers: Record<string, string>) {
  const url = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(String(values.params?.[name])))
  const query = values.querystring ? `?${new URLSearchParams(Object.entries(values.querystring).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : ''
  return built.app.inject({
    method: route.method as 'GET',
    url: url + query,
    headers: { ...headers, ...Object.fromEntries(Object.entries(values.headers ?? {}).map(([k, v]) => [k, String(v)])) },
    ...(values.body !== undefined ? { payload: values.body } : {}),
  })
}

describe('control characters in request strings', () => {
  test('every string field of every route refuses NUL and other control characters with 400 VALIDATION', async (t) => {
    const { built, routes, headers } = await walkedShop(t)
    assert.ok(routes.length >= 25, `walked ${routes.length} routes`)
    const failures: string[] = []
    let checked = 0
    for (const route of routes) {
      const base: Partial<Record<Part, any>> = {}
      for (const part of Object.keys(PARTS) as Part[]) {
        const schema = route.schema[part]
        if (!schema) continue
        base[part] = sampleOf(schema)
        // The sample must pass the route's own validator, or a refusal would prove nothing.
        const validate = validatorCompiler({ schema, httpPart: part, method: route.method, url: route.url }) as (v: unknown) => boolean
        assert.ok(validate(structuredClone(base[part])), `${route.method} ${route.url}: the sample ${part} is not valid: ${JSON.stringify(base[part])}`)
      }
      for (const part of Object.keys(base) as Part[]) {
        for (const { path, schema } of stringPaths(route.schema[part]!)) {
          const original = String(valueAt(base[part], path))
          const multiline = schema['x-multiline'] === true
          // NUL (PostgreSQL refuses it), another C0 control or DEL, and a line break where none belongs.
          const bad = multiline ? ['\u0000', '\u001b'] : ['\u0000', '\u007f', '\n']
          for (const c of bad) {
            const value = original.slice(0, 1) + c + original.slice(1)
            const res = await request(built, route, { ...base, [part]: withValue(base[part], path, value) }, headers)
            checked++
            const field = `${part}/${path.join('/')}`
            const body = parseJson(res.body)
            const code = body.error?.code
            const okCode = code === 'VALIDATION' || (part === 'headers' && code === route.headerCodes[path[0]!])
            if (res.statusCode !== 400 || !okCode || (code === 'VALIDATION' && !body.error!.message.startsWith(field))) {
              failures.push(`${route.method} ${route.url} ${field} with ${JSON.stringify(c)}: ${res.statusCode} ${res.body.slice(0, 160)}`)
            }
          }
        }
      }
    }
    assert.ok(checked > 100, `checked ${checked} strings`)
    assert.deepEqual(failures, [])
  })

  test('regression: NUL in a search, an e-mail address or a reset request answered 500 from PostgreSQL; now 400 naming the field', async (t) => {
    const { built } = await walkedShop(t)
    const cases = [
      { method: 'GET', url: '/api/products?q=a%00b', field: 'querystring/q' },
      { method: 'POST', url: '/api/auth/register', payload: { email: 'bob\u0000@example.com', password: 'a long and unusual passphrase 7' }, field: 'body/email' },
      { method: 'POST', url: '/api/auth/login', payload: { email: 'bob@example.com', password: 'pass\u0000word and more' }, field: 'body/password' },
      { method: 'POST', url: '/api/auth/password-resets', payload: { email: 'bob@exa\u0000mple.com' }, field: 'body/email' },
    ] as const
    for (const c of cases) {
      const res = await built.app.inject({ method: c.method, url: c.url, ...('payload' in c ? { payload: c.payload } : {}) })
      assert.equal(res.statusCode, 400, `${c.url}: ${res.body}`)
      assert.deepEqual(res.json(), { error: { code: 'VALIDATION', message: `${c.field} must not contain control characters` } })
    }
  })

  test('free text keeps its line breaks: a product description with \\n and \\t is stored as sent', async (t) => {
    const { built, headers } = await walkedShop(t)
    const description = 'Line one\n\tindented\r\nline three'
    const res = await built.app.inject({
      method: 'POST',
      url: '/api/products',
      headers,
      payload: { slug: 'multi-line', name: 'Multi line', price: { amount: 100, currency: 'USD' }, description },
    })
    assert.equal(res.statusCode, 201, res.body)
    const product = await built.app.inject({ method: 'GET', url: '/api/products/multi-line' })
    assert.equal(product.json<{ description: string }>().description, description)
  })

  test('a field name with a control character is refused too (attributes are stored as JSON)', async (t) => {
    const { built, headers } = await walkedShop(t)
    const res = await built.app.inject({
      method: 'POST',
      url: '/api/products',
      headers,
      payload: { slug: 'bad-key', name: 'Bad key', price: { amount: 100, currency: 'USD' }, attributes: { 'col\u0000our': 'red' } },
    })
    assert.equal(res.statusCode, 400, res.body)
    assert.match(res.json<{ error: { code: string; message: string } }>().error.message, /body\/attributes has a field name with a control character/)
  })
})

function parseJson(text: string): { error?: { code: string; message: string } } {
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}
