import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import nodemailer from 'nodemailer'
import type { OutgoingMail } from './mailer.js'

/**
 * The embedded shop's mailbox: each e-mail as an RFC 822 file (.eml, opens in
 * any mail client) plus a JSON summary that GET /dev/mail lists and shows.
 * Files are written under a temporary name and renamed, so a reader never sees
 * half an e-mail; only the shop's user can read them (they hold reset links).
 */
export interface StoredMailSummary {
  id: string
  date: string
  from: string
  to: string
  subject: string
  messageId: string
  template?: string
  eventId?: string
}

export interface StoredMail extends StoredMailSummary {
  text: string
  html: string
}

export interface Mailbox {
  readonly dir: string
  store(mail: OutgoingMail): Promise<string>
  list(limit?: number): Promise<StoredMailSummary[]>
  find(id: string): Promise<StoredMail | undefined>
  findRaw(id: string): Promise<Buffer | undefined>
}

const ID = /^[0-9]{13}-[0-9a-f]{12}$/
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })

export function createMailbox(dir: string): Mailbox {
  const file = (id: string, ext: string) => path.join(dir, `${id}.${ext}`)
  const write = async (target: string, data: string | Buffer) => {
    const tmp = `${target}.tmp-${process.pid}`
    await writeFile(tmp, data, { mode: 0o600 })
    await rename(tmp, target)
  }

  return {
    dir,
    async store(mail) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const info = await composer.sendMail({ ...mail })
      const id = `${Date.now()}-${randomBytes(6).toString('hex')}`
      const stored: StoredMail = {
        id,
        date: new Date().toISOString(),
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        messageId: mail.messageId,
        ...(mail.headers['X-Emporium-Template'] ? { template: mail.headers['X-Emporium-Template'] } : {}),
        ...(mail.headers['X-Emporium-Event-Id'] ? { eventId: mail.headers['X-Emporium-Event-Id'] } : {}),
        text: mail.text,
        html: mail.html,
      }
      await write(file(id, 'eml'), info.message as Buffer)
      // The summary last: the listing shows only complete e-mails.
      await write(file(id, 'json'), JSON.stringify(stored))
      return id
    },
    async list(limit = 200) {
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => ID.test(id)).sort().reverse().slice(0, limit)
      const mails = await Promise.all(ids.map((id) => this.find(id)))
      return mails.flatMap((m) => {
        if (!m) return []
        const { text: _text, html: _html, ...summary } = m
        return [summary]
      })
    },
    async find(id) {
      if (!ID.test(id)) return undefined
      try {
        return JSON.parse(await readFile(file(id, 'json'), 'utf8')) as StoredMail
      } catch {
        return undefined
      }
    },
    async findRaw(id) {
      if (!ID.test(id)) return undefined
      return readFile(file(id, 'eml')).catch(() => undefined)
    },
  }
}
