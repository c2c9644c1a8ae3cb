import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { admin } from '../helpers/order-fixture.js'
import { sampleOf } from '../helpers/schema-samples.js'

/**
 * The OpenAPI document is a contract: for every operation it lists, what it
 * says is required (headers, query parameters, the body) is what the server
 * refuses without, and what it says is optional the server takes without.
 */

interface Parameter {
  in: 'path' | 'query' | 'header'
  name: string
  required?: boolean
  schema: Record<string, unknown>
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, any> }> }
}

interface Request {
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body?: unknown
}

async function send(built: BuiltApp, method: string, r: Request, auth: Record<string, string>) {
  const query = new URLSearchParams(r.query).toString()
  const res = await built.app.inject({
    method: method.toUpperCase() as 'GET',
    url: `${r.path}${query ? `?${query}` : ''}`,
    headers: { ...auth, ...r.headers },
    ...(r.body !== undefined ? { payload: r.body as object } : {}),
  })
  let code: string | undefined
  let message = ''
  try {
    ;({ code, message } = res.json<{ error: { code: string; message: string } }>().error)
  } catch {
    // not an error body
  }
  return { status: res.statusCode, code, message }
}

test('regression: the OpenAPI document says what the server requires: headers, query parameters and bodies, for every operation', async (t) => {
  const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', AUTH_RATE_LIMIT_MAX: '100000', PRODUCT_RATE_LIMIT_MAX: '100000', ORDER_RATE_LIMIT_MAX: '100000', CART_RATE_LIMIT_MAX: '100000' } })
  const boss = await admin(built)
  const doc = built.app.swagger() as { paths: Record<string, Record<string, Operation>> }
  const problems: string[] = []
  let operations = 0
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      operations++
      const where = `${method.toUpperCase()} ${template}`
      const params = op.parameters ?? []
      const base: Request = {
        path: template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(sampleOf(params.find((p) => p.in === 'path' && p.name === name)!.schema)))),
        query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, String(sampleOf(p.schema))])),
        headers: Object.fromEntries(params.filter((p) => p.in === 'header').map((p) => [p.name, String(sampleOf(p.schema))])),
      }
      const bodySchema = op.requestBody?.content['application/json']?.schema
      if (bodySchema) base.body = sampleOf(bodySchema)
      const full = await send(built, method, base, boss.headers)
      if (full.code === 'VALIDATION') {
        problems.push(`${where}: the sample request itself is refused: ${full.message}`)
        continue
      }
      const partOf = (p: Parameter) => (p.in === 'query' ? 'query' : 'headers')
      const without = (r: Request, drop: (p: Parameter) => boolean): Request => {
        const dropped = params.filter((p) => p.in !== 'path' && drop(p))
        const keep = (part: 'query' | 'headers') => Object.fromEntries(Object.entries(r[part]).filter(([k]) => !dropped.some((p) => partOf(p) === part && p.name === k)))
        return { ...r, query: keep('query'), headers: keep('headers') }
      }
      // Everything documented optional left out at once: nothing may be missing.
      const minimal = await send(built, method, without(base, (p) => !p.required), boss.headers)
      if (minimal.status === 400 && (minimal.code === 'VALIDATION' || minimal.code?.endsWith('_REQUIRED'))) {
        problems.push(`${where}: with only the documented required parameters the server answers ${minimal.code}: ${minimal.message}`)
      }
      for (const p of params.filter((x) => x.in !== 'path' && x.required)) {
        const res = await send(built, method, without(base, (x) => x === p), boss.headers)
        if (res.status !== 400) problems.push(`${where}: ${p.in} ${p.name} is documented required, the server answers ${res.status} without it`)
      }
      if (op.requestBody) {
        const { body: _omitted, ...noBody } = base
        const res = await send(built, method, noBody, boss.headers)
        const required = op.requestBody.required !== false
        // A form upload without a body has no media type at all: 415 (send multipart/form-data) is the answer there.
        const missing = bodySchema ? [400] : [400, 415]
        if (required && !missing.includes(res.status)) problems.push(`${where}: the body is documented required, the server answers ${res.status} without it`)
        if (!required && res.code === 'VALIDATION') problems.push(`${where}: the body is documented optional, the server refuses: ${res.message}`)
        // A body whose every field is optional (and that needs no field at all) must itself be optional: there is nothing a client must send.
        if (bodySchema && !(bodySchema.required as string[] | undefined)?.length && !bodySchema.minProperties && required) problems.push(`${where}: every field of the body is optional, but the body is required`)
      }
    }
  }
  assert.ok(operations >= 25, `${operations} operations checked`)
  assert.deepEqual(problems, [])
})

test('POST /cancel and /ship take a request without a body (their fields are optional)', async (t) => {
  const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
  const boss = await admin(built)
  for (const action of ['cancel', 'ship']) {
    const res = await built.app.inject({ method: 'POST', url: `/api/orders/00000000-0000-4000-8000-000000000000/${action}`, headers: boss.headers })
    assert.equal(res.statusCode, 404, res.body)
    assert.equal(res.json().error.code, 'ORDER_NOT_FOUND')
  }
})
