/**
 * The outside baseline of `npm run bench`: a bare node:http server that sends
 * the bytes and caching headers BENCH_BARE_FROM answered once, from memory. The
 * ratio of the shop to it is what the framework and the defaults cost.
 */
import { createServer } from 'node:http'

const from = process.env.BENCH_BARE_FROM
if (!from) throw new Error('BENCH_BARE_FROM: the URL whose answer to copy')
const res = await fetch(from)
if (!res.ok) throw new Error(`${from} answered ${res.status}`)
const body = Buffer.from(await res.arrayBuffer())
const headers = {
  'content-type': res.headers.get('content-type') ?? 'application/json; charset=utf-8',
  etag: res.headers.get('etag') ?? '',
  'cache-control': res.headers.get('cache-control') ?? '',
  vary: 'accept-encoding',
  'content-length': String(body.length),
}

const server = createServer((req, reply) => {
  reply.writeHead(200, headers)
  reply.end(req.method === 'HEAD' ? undefined : body)
})
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
