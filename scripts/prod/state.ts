import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ServerName } from './settings.js'

/**
 * What prod:start started, written after every step (0600: the URLs may hold
 * passwords), so prod:stop stops exactly that, also after a start that died half-way.
 */
export interface ProdState {
  startedAt: string
  /** Local servers prod:start runs (scripts/servers.sh), with the environment that reaches them again. */
  servers: ServerName[]
  serversEnv: Record<string, string>
  /** The URLs the apps were given. */
  urls: Record<string, string>
  pm2: boolean
  nginx?: { pidFile: string; url: string }
  services: { app: string; service: string; url: string; health: string; instances: number }[]
}

export function stateDir(): string {
  return path.resolve(import.meta.dirname, '../..', process.env.PROD_DIR || 'var')
}

const file = (dir: string) => path.join(dir, 'prod-state.json')

export function readState(dir = stateDir()): ProdState | undefined {
  return existsSync(file(dir)) ? (JSON.parse(readFileSync(file(dir), 'utf8')) as ProdState) : undefined
}

export function saveState(state: ProdState, dir = stateDir()): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(file(dir), JSON.stringify(state, null, 2), { mode: 0o600 })
}

export function clearState(dir = stateDir()): void {
  rmSync(file(dir), { force: true })
}
