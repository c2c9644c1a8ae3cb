import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface Started {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** What the child printed on both streams, the last 4000 characters: for failure messages. */
  output: () => string
  messages: unknown[]
  exited: Promise<number | null>
  /**
   * The port the child listens on (it starts with PORT=0 unless told otherwise,
   * so the kernel picks a free one, and reports it over IPC). Rejects with the
   * child's output when it exits first or is not listening within timeoutMs.
   */
  listening(timeoutMs?: number): Promise<number>
}

/**
 * Runs `node --import tsx src/main.ts <args>` with its own environment and an
 * IPC channel (as PM2 does). Without a DATA_DIR it gets a temporary one, removed
 * when it exits, so no test writes keys or e-mails into the checkout's ./data.
 */
export function startMain(args: string[], env: Record<string, string>): Started {
  const ownDataDir = env.DATA_DIR ? undefined : mkdtempSync(path.join(tmpdir(), 'emporium-main-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  if (ownDataDir) child.once('exit', () => rmSync(ownDataDir, { recursive: true, force: true }))
  let out = ''
  let err = ''
  let both = ''
  const messages: unknown[] = []
  child.stdout!.on('data', (d) => ((out += d), (both += d)))
  child.stderr!.on('data', (d) => ((err += d), (both += d)))
  child.on('message', (m) => messages.push(m))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const output = () => both.slice(-4000)
  const listening = (timeoutMs = 120_000) =>
    new Promise<number>((resolve, reject) => {
      const check = (m: unknown) => {
        const port = (m as { event?: string; port?: number } | null)?.event === 'listening' ? (m as { port: number }).port : undefined
        if (port !== undefined) done(() => resolve(port))
      }
      const timer = setTimeout(() => done(() => reject(new Error(`src/main.ts ${args.join(' ')} not listening after ${timeoutMs} ms; its output:\n${output()}`))), timeoutMs)
      const onExit = (code: number | null) => done(() => reject(new Error(`src/main.ts ${args.join(' ')} exited (${code}) before listening; its output:\n${output()}`)))
      const done = (settle: () => void) => {
        clearTimeout(timer)
        child.off('message', check)
        child.off('exit', onExit)
        settle()
      }
      child.on('message', check)
      child.once('exit', onExit)
      messages.forEach(check)
    })
  return { child, stdout: () => out, stderr: () => err, output, messages, exited, listening }
}
