/**
 * npm run admin:create -- --email admin@example.com
 *
 * Creates an administrator account, or gives an existing account the admin role.
 * The password is asked for (not echoed) on a terminal, or read from the first
 * line of stdin: `printf '%s\n' "$PASSWORD" | npm run admin:create -- --email ...`.
 * Reads the same configuration as the auth service (.env, DATABASE_URL); without
 * DATABASE_URL it opens the embedded database under DATA_DIR, so stop the
 * embedded shop first (PGlite is one process's database).
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { ConfigError } from '../src/platform/config.js'
import { migrate } from '../src/platform/db/migrate.js'
import { connect } from '../src/platform/deps.js'
import { AppError } from '../src/platform/errors.js'
import { createMetrics } from '../src/platform/metrics.js'
import { createAdmin, grantAdmin } from '../src/services/auth/auth.js'
import { createPasswordHasher } from '../src/services/auth/passwords.js'
import { loadServiceConfig } from '../src/platform/service.js'
import { authService } from '../src/services/auth/index.js'

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help || !values.email) {
    console.error('usage: npm run admin:create -- --email <address>   (password on the terminal or the first line of stdin)')
    return values.help ? 0 : 2
  }
  if (existsSync('.env')) process.loadEnvFile('.env')
  const config = authService.settings(loadServiceConfig([authService]))
  const log = pino({ level: 'warn' })
  const deps = await connect(config, { name: 'admin-create', pool: { max: 2, min: 0 }, log, metrics: createMetrics('admin-create', { defaultMetrics: false }) })
  try {
    await migrate(deps.db, authService.migrations)
    if (await grantAdmin(deps, values.email)) {
      console.log(`${values.email}: the existing account is now an administrator (its password is unchanged)`)
      return 0
    }
    const password = process.stdin.isTTY ? await askTwice() : await firstLineOfStdin()
    const hasher = createPasswordHasher({
      memoryKiB: config.AUTH_HASH_MEMORY_KIB,
      timeCost: config.AUTH_HASH_TIME_COST,
      concurrency: 1,
      queueMax: 0,
    })
    const user = await createAdmin({ db: deps.db, hasher }, { email: values.email, password })
    console.log(`administrator ${user.email} created (id ${user.id})`)
    return 0
  } finally {
    await deps.close()
  }
}

async function askTwice(): Promise<string> {
  const first = await askHidden('Password: ')
  if ((await askHidden('Again: ')) !== first) throw new UsageError('the two passwords differ')
  return first
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  let chars: string[] = []
  return new Promise((resolve, reject) => {
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(), resolve(chars.join(''))
        if (ch === '\u0003' || ch === '\u0004') return finish(), reject(new UsageError('cancelled'))
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1)
        else chars.push(ch)
      }
    }
    stdin.on('data', onData)
  })
}

async function firstLineOfStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) {
    text += String(chunk)
    if (text.includes('\n') || text.length > 8192) break
  }
  const line = text.split(/\r?\n/)[0] ?? ''
  if (!line) throw new UsageError('no password on stdin')
  return line
}

class UsageError extends Error {}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof AppError || err instanceof UsageError || err instanceof ConfigError) console.error(`admin:create: ${err.message}`)
    else console.error('admin:create failed:', err)
    process.exit(1)
  },
)
