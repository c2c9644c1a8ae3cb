import { randomUUID } from 'node:crypto'

/**
 * Valid sample values for the JSON schemas of our routes, and the paths of
 * every string in them: what the tests that walk every route send. A pattern
 * takes the first candidate below that matches it; a new pattern with no
 * matching candidate fails the walk, naming it (add a candidate here).
 */
type Schema = Record<string, any>

const PATTERN_CANDIDATES = ['abc', 'a-b', '1', '12', 'GB', 'USD', '123', '4242 4242 4242 4242', '+44 20 7946 0000', '1700000000000-aaaaaaaaaaaa', 'user-1', '1,2', '0f8fad5b', 'a'.repeat(43)]

export function sampleOf(schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return schema.enum[0]
  const options = schema.anyOf ?? schema.oneOf
  if (options) return sampleOf(options.find((o: Schema) => o.type !== 'null') ?? options[0])
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries<Schema>(schema.properties ?? {})) out[k] = sampleOf(v)
      for (const v of Object.values<Schema>(schema.patternProperties ?? {})) out.key = sampleOf(v)
      return out
    }
    case 'array':
      return [sampleOf(schema.items ?? {})]
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1)
    case 'boolean':
      return true
    case 'null':
      return null
    case 'string':
      return stringSample(schema)
    default:
      throw new Error(`no sample for a schema without a type: ${JSON.stringify(schema).slice(0, 200)}`)
  }
}

function stringSample(schema: Schema): string {
  if (schema.format === 'uuid') return randomUUID()
  if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString()
  if (schema.format === 'email') return 'someone@example.com'
  if (schema.pattern) {
    const re = new RegExp(schema.pattern, 'u')
    const found = PATTERN_CANDIDATES.find((c) => re.test(c) && c.length >= (schema.minLength ?? 0) && c.length <= (schema.maxLength ?? Infinity))
    if (!found) throw new Error(`no sample string matches /${schema.pattern}/: add one to PATTERN_CANDIDATES`)
    return found
  }
  return 'a'.repeat(Math.max(schema.minLength ?? 1, 3))
}

/** The path of every string value in a sample made by sampleOf, with the schema that describes it. */
export function stringPaths(schema: Schema, path: string[] = []): { path: string[]; schema: Schema }[] {
  const options = schema.anyOf ?? schema.oneOf
  if (options) return stringPaths(options.find((o: Schema) => o.type !== 'null') ?? options[0], path)
  if (schema.const !== undefined || schema.enum || schema.default !== undefined) return typeof sampleOf(schema) === 'string' ? [{ path, schema }] : []
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  if (type === 'string') return [{ path, schema }]
  if (type === 'array') return stringPaths(schema.items ?? {}, [...path, '0'])
  if (type !== 'object') return []
  return [
    ...Object.entries<Schema>(schema.properties ?? {}).flatMap(([k, v]) => stringPaths(v, [...path, k])),
    ...Object.values<Schema>(schema.patternProperties ?? {}).flatMap((v) => stringPaths(v, [...path, 'key'])),
  ]
}

/** A copy of the value with the string at path replaced. */
export function withValue(value: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) }
  copy[head!] = withValue(copy[head!], rest, replacement)
  return copy
}

export function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<any>((v, k) => v?.[k], value)
}
