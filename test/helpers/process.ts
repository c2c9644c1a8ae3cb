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

export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000)
}
