import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CachedBody } from './cache/read-through.js'

/**
 * Sends a serialized JSON answer with its ETag and Cache-Control, or 304 when
 * the client already holds it. max-age=0 keeps browsers revalidating (cheap 304s)
 * so nobody sees an old price after a change; s-maxage lets nginx or a CDN absorb
 * bursts for a few seconds.
 */
export function sendCached(req: FastifyRequest, reply: FastifyReply, entry: CachedBody, sharedMaxAge: number) {
  reply.header('etag', entry.etag)
  reply.header('cache-control', `public, max-age=0, must-revalidate, s-maxage=${sharedMaxAge}`)
  reply.header('vary', 'accept-encoding')
  if (matches(req.headers['if-none-match'], entry.etag)) return reply.code(304).send()
  return reply.type('application/json; charset=utf-8').send(entry.body)
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  // Weak comparison (RFC 9110 §8.8.3.2): W/ prefixes do not matter for If-None-Match.
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare)
}
