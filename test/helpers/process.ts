import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface Started {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  messages: unknown[]
  exited: Promise<number | null>
}

/** Runs `node --import tsx src/main.ts <args>` with its own environment and an IPC channel (as PM2 does). */
export function startMain(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let out = ''
  let err = ''
  const messages: unknown[] = []
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  child.on('message', (m) => messages.push(m))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, stdout: () => out, stderr: () => err, messages, exited }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000)
}
