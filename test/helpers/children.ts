import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface Child {
  process: ChildProcess
  output(): string
  /** Resolves when the child printed this line (or rejects when it exits first). */
  ready: Promise<void>
  exited: Promise<number | null>
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>
}

/**
 * Runs a TypeScript file of ours in a child Node process (tsx), with only the
 * given environment. `ready` rejects with the child's output when it exits, or
 * has not printed the line within readyTimeoutMs.
 */
export function startChild(file: string, env: Record<string, string>, readyLine: string, readyTimeoutMs = 120_000): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString()
      if (out.includes(readyLine)) resolve()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then((code) => reject(new Error(`${file} exited (${code}) before "${readyLine}"; its output:\n${out.slice(-4000)}`)))
    const timer = setTimeout(() => reject(new Error(`${file} did not print "${readyLine}" within ${readyTimeoutMs} ms; its output:\n${out.slice(-4000)}`)), readyTimeoutMs)
    void exited.then(() => clearTimeout(timer))
    child.stdout!.on('data', () => out.includes(readyLine) && clearTimeout(timer))
  })
  ready.catch(() => {})
  return {
    process: child,
    output: () => out,
    ready,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}
