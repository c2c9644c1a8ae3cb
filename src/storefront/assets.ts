import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/**
 * The storefront's static files (CSS, JS, icons), served under fingerprinted
 * names (`app.3f2a1b9c04.css`) so browsers may keep them for a year: a changed
 * file gets a new name. The names are computed from the contents at start-up;
 * `writeAssets` copies the same names into a directory for nginx to serve
 * from disk when the storefront runs behind it.
 */

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url))
const FINGERPRINTED = /^([a-z0-9-]+)\.([0-9a-f]{10})\.([a-z0-9]+)$/

export interface Assets {
  /** The public URL of an asset by its plain name: url('app.css') -> '/assets/app.3f2a1b9c04.css'. */
  url(name: string): string
}

function fingerprints(dir: string): Map<string, string> {
  const names = new Map<string, string>()
  for (const file of readdirSync(dir)) {
    const dot = file.lastIndexOf('.')
    if (dot <= 0) continue
    const hash = createHash('sha256').update(readFileSync(path.join(dir, file))).digest('hex').slice(0, 10)
    names.set(file, `${file.slice(0, dot)}.${hash}${file.slice(dot)}`)
  }
  return names
}

export async function registerAssets(app: FastifyInstance, dir = ASSETS_DIR): Promise<Assets> {
  const names = fingerprints(dir)
  const byFingerprint = new Map([...names].map(([plain, printed]) => [printed, plain]))
  await app.register(fastifyStatic, { root: dir, serve: false })
  app.get('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const file = (req.params as { file: string }).file
    const plain = FINGERPRINTED.test(file) ? byFingerprint.get(file) : undefined
    if (!plain) return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
    return reply.sendFile(plain, { maxAge: 365 * 24 * 3600 * 1000, immutable: true })
  })
  return {
    url(name) {
      const printed = names.get(name)
      if (!printed) throw new Error(`no storefront asset named ${name}`)
      return `/assets/${printed}`
    },
  }
}

/** Copies the assets under their fingerprinted names into outDir (for nginx: `location /assets/ { root ...; expires max; }`). */
export function writeAssets(outDir: string, dir = ASSETS_DIR): string[] {
  mkdirSync(outDir, { recursive: true })
  const written: string[] = []
  for (const [plain, printed] of fingerprints(dir)) {
    copyFileSync(path.join(dir, plain), path.join(outDir, printed))
    written.push(printed)
  }
  return written
}
