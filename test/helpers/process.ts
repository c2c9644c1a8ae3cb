import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface Started {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  messages: unknown[]
  exited: Promise<number | null>
}

/**
 * Runs `node --import tsx src/main.ts <args>` with its own environment and an
 * IPC channel (as PM2 does). Without a DATA_DIR it gets a temporary one, removed
 * when it exits, so no test writes keys or e-mails into the checkout's ./data.
 */
export function startMain(args: string[], env: Record<string, string>): Started {
  const ownDataDir = env.DATA_DIR ? undefined : mkdtempSync(path.join(tmpdir(), 'emporium-main-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  if (ownDataDir) child.once('exit', () => rmSync(ownDataDir, { recursive: true, force: true }))
  let out = ''
  let err = ''
  const messages: unknown[] = []
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  child.on('message', (m) => messages.push(m))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, stdout: () => out, stderr: () => err, messages, exited }
}

export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000)
}
