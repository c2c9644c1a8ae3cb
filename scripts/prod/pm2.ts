import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { alive } from './nginx.js'
import { ProdError, ROOT } from './settings.js'

const run = promisify(execFile)
const PM2 = path.join(ROOT, 'node_modules', '.bin', 'pm2')
export const ECOSYSTEM = path.join(ROOT, 'deploy', 'ecosystem.config.cjs')

/** The project's own PM2 (a dependency, not a global install), with its own PM2_HOME. */
export async function pm2(pm2Home: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run(PM2, args, { env: { ...env, PM2_HOME: pm2Home }, cwd: ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string }
    const lines = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').filter((l) => /error|fail/i.test(l))
    throw new ProdError(`pm2 ${args.join(' ')} failed: ${lines.slice(-3).join(' | ') || e.message}`)
  }
}

export function pm2DaemonAlive(pm2Home: string): boolean {
  const pidFile = path.join(pm2Home, 'pm2.pid')
  return existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8').trim()))
}

export interface Pm2Process {
  name: string
  pid: number
  pm2_env: { status: string; restart_time: number; pm_id: number }
  monit: { memory: number; cpu: number }
}

export async function pm2List(pm2Home: string): Promise<Pm2Process[]> {
  if (!pm2DaemonAlive(pm2Home)) return []
  return JSON.parse(await pm2(pm2Home, ['jlist'])) as Pm2Process[]
}

/** Stops every app gracefully (SIGINT, then kill_timeout) and the daemon; nothing when no daemon runs. */
export async function pm2Kill(pm2Home: string): Promise<void> {
  if (pm2DaemonAlive(pm2Home)) await pm2(pm2Home, ['kill'])
}
