import { readFileSync, unlinkSync } from 'node:fs'
import { chmod, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from './config.js'

/**
 * DATA_DIR holds the embedded database, the signing keys and the mailbox (with
 * password-reset links): only the user running the shop may read any of it.
 * The directory is made 0700; whatever is in it already loses its group and
 * world bits (files from older versions, or written with a loose umask); and
 * the process umask becomes 077 for what is created later. Called when this
 * process opens the embedded database.
 */
export async function secureDataDir(dir: string): Promise<void> {
  process.umask(0o077)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await restrictToOwner(dir)
}

/** Takes the group and world bits off the tree (links are left alone). */
export async function restrictToOwner(dir: string): Promise<void> {
  await ownerOnly(path.resolve(dir))
}

async function ownerOnly(p: string): Promise<void> {
  const st = await lstat(p)
  // A link is not followed: it could point anywhere.
  if (st.isSymbolicLink()) return
  if (st.mode & 0o077) await chmod(p, st.mode & 0o700)
  if (st.isDirectory()) for (const name of await readdir(p)) await ownerOnly(path.join(p, name))
}

/**
 * The embedded database is one process's (PGlite has no server to share it):
 * a second process opening the same directory (npm run admin:create while the
 * shop runs) would be a second writer and corrupt it. The lock is a file made
 * with O_EXCL holding the owner's pid; a lock whose process is gone (a crash,
 * kill -9) is taken over. Returns the release.
 */
export async function lockDataDir(dir: string): Promise<() => void> {
  const file = `${path.resolve(dir)}.lock`
  const mine = JSON.stringify({ pid: process.pid, since: new Date().toISOString(), command: process.argv.slice(1).join(' ').slice(0, 300) })
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx', mode: 0o600 })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = await readHolder(file)
      if (attempt > 0) throw inUse(file, holder)
      if (holder && isAlive(holder.pid)) throw inUse(file, holder)
      // The holder is gone: its lock is stale. Only the file we read is removed, so of two takers one wins.
      if ((await readFile(file, 'utf8').catch(() => '')) === holder?.raw) await rm(file, { force: true })
    }
  }
  let held = true
  const release = () => {
    if (!held) return
    held = false
    process.off('exit', release)
    try {
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file)
    } catch {
      // Gone already.
    }
  }
  process.on('exit', release)
  return release
}

async function readHolder(file: string): Promise<{ pid: number; since?: string; command?: string; raw: string } | undefined> {
  const raw = await readFile(file, 'utf8').catch(() => undefined)
  if (raw === undefined) return undefined
  try {
    const h = JSON.parse(raw) as { pid?: unknown; since?: string; command?: string }
    return Number.isSafeInteger(h.pid) ? { pid: h.pid as number, ...(h.since ? { since: h.since } : {}), ...(h.command ? { command: h.command } : {}), raw } : { pid: 0, raw }
  } catch {
    return { pid: 0, raw }
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function inUse(file: string, holder: { pid: number; since?: string; command?: string } | undefined): ConfigError {
  const who = holder?.pid ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}${holder.since ? ` since ${holder.since}` : ''}` : 'another process'
  return new ConfigError([
    `the embedded database ${file.replace(/\.lock$/, '')} is in use by ${who}: stop it first, or give this process another DATA_DIR or a DATABASE_URL (if no such process runs, delete ${file})`,
  ])
}
