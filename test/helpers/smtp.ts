import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'

type Scope = { after: (fn: () => Promise<void>) => void }

export interface ReceivedMail {
  from: string
  to: string[]
  /** Header names in lower case; the values of the last occurrence. */
  headers: Record<string, string>
  raw: string
  receivedAt: number
}

export interface SmtpReply {
  /** SMTP reply code to answer the end of DATA with instead of 250 (451: try later, 550: refused). */
  code: number
  message?: string
}

export interface TestSmtpServer {
  url: string
  /** Messages the server received in full (and answered 250, unless `reply` said otherwise). */
  received: ReceivedMail[]
  /** Every message that reached the end of DATA, whatever the answer. */
  attempts: ReceivedMail[]
  /**
   * Decides the answer to each complete message; may do something first (the
   * tests kill the sender here). Undefined: 250.
   */
  reply?: (mail: ReceivedMail) => SmtpReply | undefined | Promise<SmtpReply | undefined>
  /** Received messages per X-Emporium-Event-Id header. */
  countByEvent(): Map<string, number>
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that counts what it receives; closed with the scope. */
export async function startSmtpServer(scope: Scope): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    received: [],
    attempts: [],
    countByEvent() {
      const counts = new Map<string, number>()
      for (const m of state.received) {
        const id = m.headers['x-emporium-event-id'] ?? ''
        counts.set(id, (counts.get(id) ?? 0) + 1)
      }
      return counts
    },
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers: parseHeaders(raw),
          raw,
          receivedAt: Date.now(),
        }
        state.attempts.push(mail)
        void Promise.resolve(state.reply?.(mail)).then(
          (answer) => {
            if (!answer || answer.code < 400) {
              state.received.push(mail)
              return callback()
            }
            const err = new Error(answer.message ?? `refused with ${answer.code}`) as Error & { responseCode: number }
            err.responseCode = answer.code
            callback(err)
          },
          (err: Error) => callback(err),
        )
      })
    },
  })
  server.on('error', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  state.url = `smtp://127.0.0.1:${port}`
  scope.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return state
}

function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? ''
  const headers: Record<string, string> = {}
  let last = ''
  for (const line of head.split(/\r?\n/)) {
    if (/^\s/.test(line) && last) headers[last] = `${headers[last]} ${line.trim()}`.trim()
    else {
      const i = line.indexOf(':')
      if (i > 0) {
        last = line.slice(0, i).trim().toLowerCase()
        headers[last] = line.slice(i + 1).trim()
      }
    }
  }
  return headers
}
