import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifyRequest, preValidationHookHandler, RouteOptions } from 'fastify'
import { OPTIONAL_BODY_KEYWORD } from './validation.js'

/**
 * The OpenAPI document of the routes, and what keeps it true to the server:
 * what it calls optional the server takes without (test/integration/openapi-contract.test.ts
 * checks every operation). Always built (scripts and tests read app.swagger());
 * served at /docs and /docs/json only when asked (API_DOCS).
 */
export async function registerOpenApi(app: FastifyInstance, options: { title: string; version: string; serve: boolean }) {
  app.addHook('onRoute', allowAbsentBody)
  await app.register(swagger, {
    transformObject: (doc) => ('openapiObject' in doc ? markOptional(doc.openapiObject) : doc.swaggerObject),
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, version: options.version, description: 'Emporium shop API' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  })
  if (options.serve) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: (h) => h })
}

/** onRoute: a route whose body schema is OptionalBody takes a request without a body as {} (before validation). */
function allowAbsentBody(route: RouteOptions) {
  const body = (route.schema?.body ?? undefined) as Record<string, unknown> | undefined
  if (!body?.[OPTIONAL_BODY_KEYWORD]) return
  const absentIsEmpty = async (req: FastifyRequest) => {
    if (req.body === undefined || req.body === null) req.body = {}
  }
  route.preValidation = [absentIsEmpty, ...([] as preValidationHookHandler[]).concat(route.preValidation ?? [])]
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      {
        parameters?: { required?: boolean; schema?: Record<string, unknown> }[]
        requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> }
      }
    >
  >
}

/**
 * The document says "required" where the server requires: @fastify/swagger
 * marks every body required (Fastify wants one by default), but an
 * OptionalBody is not; and a parameter with a default is filled in by the
 * validator, so a client may leave it out.
 */
function markOptional<D extends object>(doc: D): D {
  for (const operations of Object.values((doc as OpenApiDocument).paths ?? {})) {
    for (const op of Object.values(operations)) {
      const content = op.requestBody?.content ?? {}
      if (Object.values(content).some((c) => c.schema?.[OPTIONAL_BODY_KEYWORD])) op.requestBody!.required = false
      for (const p of op.parameters ?? []) if (p.schema?.default !== undefined) p.required = false
    }
  }
  return doc
}
