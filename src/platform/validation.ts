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

/** Fastify validator compiler: coercion for querystring, params and headers, none for bodies. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? forJson : forText).compile(schema as object)

/** '/quantity must be >= 1' style text for the 400 VALIDATION message. */
export function describeValidation(errors: readonly FastifySchemaValidationError[] | undefined, part: string | undefined): string {
  const e = errors?.[0]
  if (!e) return 'Invalid request'
  const where = part ? `${part}${e.instancePath}` : e.instancePath || 'request'
  if (e.keyword === 'additionalProperties') {
    return `${where} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`
  }
  if (e.keyword === 'required') return `${where} is missing '${(e.params as { missingProperty: string }).missingProperty}'`
  return `${where} ${e.message ?? 'is invalid'}`
}
