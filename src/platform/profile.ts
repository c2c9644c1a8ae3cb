import type { Logger } from 'pino'
import type { TokenVerifierConfig } from './auth/config.js'
import { ConfigError, type PlatformConfig } from './config.js'
import { peerUrlSetting, probeLive } from './peers.js'
import type { ServiceNeeds } from './service.js'

/**
 * What the services of one process need, merged (the strictest wins), and the
 * production profile's rule: under PROFILE=production nothing falls back to an
 * embedded adapter. A server URL, a shared secret or a peer that a mounted
 * service needs and that is missing stops the start with one line naming it;
 * so does a peer that does not answer within PEER_START_WAIT_MS. The embedded
 * profile (npm start) keeps its defaults: PGlite, in-process cache and bus.
 */
export interface ProcessNeeds {
  /** Services called over HTTP: needed by a mounted service and not mounted here. */
  remotePeers: string[]
  /** Verifies access tokens without the auth service in this process. */
  remoteKeys: boolean
  redis: ServiceNeeds['redis']
  broker: ServiceNeeds['broker']
  /** Which mounted services need each thing, for the messages. */
  by: Record<'redis' | 'broker' | 'keys' | string, string[]>
}

type Described = { name: string; needs: ServiceNeeds }

const strictest = (a: 'required' | 'optional' | undefined, b: 'required' | 'optional' | undefined) =>
  a === 'required' || b === 'required' ? 'required' : (a ?? b)

export function processNeeds(services: readonly Described[]): ProcessNeeds {
  const local = new Set(services.map((s) => s.name))
  const by: ProcessNeeds['by'] = {}
  const note = (what: string, service: string) => (by[what] ??= []).push(service)
  const merged: ProcessNeeds = { remotePeers: [], remoteKeys: false, redis: undefined, broker: undefined, by }
  for (const { name, needs } of services) {
    for (const peer of needs.peers ?? []) {
      if (local.has(peer)) continue
      if (!merged.remotePeers.includes(peer)) merged.remotePeers.push(peer)
      note(peer, name)
    }
    if (needs.accessTokens && !local.has('auth')) {
      merged.remoteKeys = true
      note('keys', name)
    }
    if (needs.redis) note('redis', name)
    if (needs.broker) note('broker', name)
    merged.redis = strictest(merged.redis, needs.redis)
    merged.broker = strictest(merged.broker, needs.broker)
  }
  return merged
}

/** Every setting the production profile misses for these services; empty when the start may go on. */
export function productionProblems(services: readonly Described[], config: PlatformConfig & Partial<TokenVerifierConfig>): string[] {
  const needs = processNeeds(services)
  const problems: string[] = []
  const missing = (setting: string, why: string) => problems.push(`${setting} is required with PROFILE=production (${why})`)
  const users = (what: string) => `${needs.by[what]!.join(', ')}`
  if (!config.DATABASE_URL) missing('DATABASE_URL', 'else each process opens its own PGlite')
  if (needs.redis && !config.REDIS_URL) missing('REDIS_URL', `used by ${users('redis')}`)
  if (needs.broker && !config.AMQP_URL) missing('AMQP_URL', `used by ${users('broker')}`)
  if (!config.INTERNAL_API_TOKEN) missing('INTERNAL_API_TOKEN', 'the same in every service, for the /internal routes')
  if (services.some((s) => s.name === 'auth') && !config.JWT_SECRET) missing('JWT_SECRET', 'the signing keys every auth instance shares')
  if (needs.remoteKeys && !config.AUTH_JWKS_URL && !config.AUTH_JWKS) missing('AUTH_JWKS_URL', `${users('keys')} verify access tokens with the auth service's keys`)
  for (const peer of needs.remotePeers) {
    if (!peerUrl(config, peer)) missing(peerUrlSetting(peer), `${users(peer)} calls the ${peer} service`)
  }
  return problems
}

export function peerUrl(config: PlatformConfig, peer: string): string | undefined {
  return (config as unknown as Record<string, string | undefined>)[peerUrlSetting(peer)]
}

/**
 * Production profile, at boot: waits until every peer this process calls
 * answers GET /health/live (they may be starting too), at most waitMs; then
 * stops the start naming the setting whose URL points nowhere.
 */
export async function waitForPeers(config: PlatformConfig, peers: readonly string[], log: Logger): Promise<void> {
  const deadline = Date.now() + config.PEER_START_WAIT_MS
  await Promise.all(
    peers.map(async (peer) => {
      const url = peerUrl(config, peer)!
      let last = await probeLive(url)
      if (last !== 'ok') log.info({ peer, url, answer: last }, 'waiting for a peer service')
      while (last !== 'ok' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250))
        last = await probeLive(url)
      }
      if (last !== 'ok') {
        throw new ConfigError([`${peerUrlSetting(peer)} (${url}) does not answer: GET /health/live ${last} after ${config.PEER_START_WAIT_MS} ms`])
      }
    }),
  )
}
