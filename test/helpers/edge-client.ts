import http2 from 'node:http2'
import https from 'node:https'
import tls from 'node:tls'

export interface EdgeAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The body as received (images). */
  bytes: Buffer
  json<T = any>(): T
}

export interface EdgeClientOptions {
  maxSockets?: number
  /** The client's own loopback address (127.0.0.x): nginx and the apps see it as another client. */
  localAddress?: string
  timeoutMs?: number
}

/**
 * A client of nginx as a browser would be: HTTPS to localhost, trusting only the
 * certificate prod:start made, HTTP/1.1 with keep-alive (or HTTP/2 with `h2`).
 */
export function edgeClient(base: string, ca: Buffer, options: EdgeClientOptions = {}) {
  const url = new URL(base)
  const timeoutMs = options.timeoutMs ?? 30_000
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 16,
    ca,
    servername: 'localhost',
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  })
  /** body: sent as JSON; payload: sent as it is (the caller gives its content-type). */
  const request = (method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; payload?: Buffer } = {}) =>
    new Promise<EdgeAnswer>((resolve, reject) => {
      const payload = options.payload ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          agent,
          headers: {
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...options.headers,
            ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const bytes = Buffer.concat(chunks)
            const body = bytes.toString('utf8')
            resolve({ status: res.statusCode!, headers: res.headers, body, bytes, json: () => JSON.parse(body) })
          })
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)))
      req.on('error', reject)
      req.end(payload)
    })
  return { request, close: () => agent.destroy() }
}

/** One GET over HTTP/2; also says which protocol TLS negotiated (ALPN). */
export async function h2Get(base: string, ca: Buffer, path: string): Promise<{ status: number; alpn: string | false | undefined; headers: http2.IncomingHttpHeaders }> {
  const session = http2.connect(base, { ca, servername: 'localhost' })
  try {
    return await new Promise((resolve, reject) => {
      session.on('error', reject)
      const req = session.request({ ':path': path })
      req.on('response', (headers) => {
        req.resume()
        req.on('end', () => resolve({ status: Number(headers[':status']), alpn: session.alpnProtocol, headers }))
      })
      req.on('error', reject)
      req.end()
    })
  } finally {
    session.close()
  }
}

/** A TLS handshake with exactly one protocol version; resolves with the negotiated version or the error code. */
export function tlsHandshake(port: number, version: tls.SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0: this client may offer TLS 1.0/1.1, so a refusal comes from the server, not from our own OpenSSL.
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false })
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'unknown')
      socket.destroy()
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}
