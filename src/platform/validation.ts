import { Type, type StringOptions, type TObject } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

function build(coerce: boolean): Ajv {
  const ajv = new Ajv({
    // Unknown fields are a client mistake to report, never something to drop silently.
    removeAdditional: false,
    useDefaults: true,
    // Query strings and path params arrive as text; JSON bodies must carry the right types.
    coerceTypes: coerce ? 'array' : false,
    // allErrors makes crafted payloads expensive to validate; the first error is enough.
    allErrors: false,
    strictSchema: false,
    allowUnionTypes: true,
  })
  addFormats(ajv)
  return ajv
}

const forText = build(true)
const forJson = build(false)

/**
 * No string a client sends may hold a C0 control character or DEL: PostgreSQL
 * refuses NUL in text (a 500 after the work began), and none of them belongs in
 * a name, a slug or a search. Free text marked multiline() may hold tab, line
 * feed and carriage return.
 */
export const SINGLE_LINE = '^[^\\u0000-\\u001f\\u007f]*$'
export const MULTI_LINE = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$'
const MULTILINE_KEYWORD = 'x-multiline'

/** A free-text string (a description): tab and line breaks allowed, other control characters still refused. */
export function MultilineText(options: StringOptions = {}) {
  return Type.String({ ...options, [MULTILINE_KEYWORD]: true })
}

/** Marks a body schema whose fields are all optional: server.ts lets the body be left out (it counts as {}) and says so in the OpenAPI document. */
export const OPTIONAL_BODY_KEYWORD = 'x-optional-body'

export function OptionalBody<T extends TObject>(schema: T): T {
  if (schema.required?.length) throw new Error('OptionalBody: a body with required fields cannot be left out')
  return { ...schema, [OPTIONAL_BODY_KEYWORD]: true }
}

type JsonSchema = Record<string, unknown>

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'] as const

/**
 * The schema as the validator runs it: every string (and every property name)
 * gets the control-character rule, added with allOf so it holds next to the
 * schema's own pattern or format. Done here, once for every route, so that no
 * route can forget it; test/integration/request-strings.test.ts walks every route to check.
 */
export function withTextRules(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withTextRules)
  if (schema === null || typeof schema !== 'object') return schema
  const s = schema as JsonSchema
  const out: JsonSchema = { ...s }
  for (const key of SUBSCHEMA_MAPS) {
    const map = s[key]
    if (map && typeof map === 'object') out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, withTextRules(v)]))
  }
  for (const key of [...SUBSCHEMA_LISTS, ...SUBSCHEMAS]) if (s[key] !== undefined && typeof s[key] === 'object') out[key] = withTextRules(s[key])
  const rules: JsonSchema[] = []
  const types = Array.isArray(s.type) ? s.type : [s.type]
  if (types.includes('string')) rules.push({ pattern: s[MULTILINE_KEYWORD] === true ? MULTI_LINE : SINGLE_LINE })
  if (types.includes('object') || s.properties || s.patternProperties) rules.push({ propertyNames: { pattern: SINGLE_LINE } })
  if (rules.length) out.allOf = [...((out.allOf as JsonSchema[] | undefined) ?? []), ...rules]
  return out
}

/** Fastify validator compiler: coercion for querystring, params and headers, none for bodies; the text rules everywhere. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? forJson : forText).compile(withTextRules(schema) as object)

/** '/quantity must be >= 1' style text for the 400 VALIDATION message. */
export function describeValidation(errors: readonly FastifySchemaValidationError[] | undefined, part: string | undefined): string {
  const e = errors?.[0]
  if (!e) return 'Invalid request'
  const where = part ? `${part}${e.instancePath}` : e.instancePath || 'request'
  if (e.keyword === 'additionalProperties') {
    return `${where} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`
  }
  if (e.keyword === 'required') return `${where} is missing '${(e.params as { missingProperty: string }).missingProperty}'`
  const pattern = (e.params as { pattern?: string }).pattern
  if (e.keyword === 'pattern' && (pattern === SINGLE_LINE || pattern === MULTI_LINE)) {
    return (e as { propertyName?: string }).propertyName !== undefined
      ? `${where} has a field name with a control character`
      : `${where} must not contain control characters`
  }
  return `${where} ${e.message ?? 'is invalid'}`
}
