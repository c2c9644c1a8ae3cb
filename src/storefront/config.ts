import { Type } from '@sinclair/typebox'
import { tokenVerifierConfig } from '../platform/auth/config.js'
import { loadConfig } from '../platform/config.js'
import { peerUrlSetting } from '../platform/peers.js'
import { API_PEERS } from './api-routes.js'

/** What the storefront reads from the environment (validated with the rest at start-up). */
export const storefrontConfig = Type.Object({
  STOREFRONT_API_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'One origin answering the whole public API, for a storefront running apart from the services; unset: the services in this process, or, running apart (`main.js storefront`), each service at its *_SERVICE_URL.',
    }),
  ),
  STOREFRONT_API_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  IMAGE_MAX_BYTES: Type.Integer({
    minimum: 1024,
    default: 10 * 1024 * 1024,
    description: "The product service's upload limit (the same setting): the admin's upload form refuses a larger file itself, without passing more on.",
  }),
  STOREFRONT_COOKIE_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'Signs the CSRF cookie; the same value on every storefront instance (required with PROFILE=production). Unset: random per process (a form left open across a restart is refused once, then works).',
    }),
  ),
})

/**
 * The storefront's settings, plus the token settings it verifies sessions with
 * and two it shares with the notification service (read as they are: that
 * service's schema validates them).
 */
export function loadStorefrontConfig(env: NodeJS.ProcessEnv) {
  const config = loadConfig(Type.Composite([tokenVerifierConfig, storefrontConfig]), env)
  return { ...config, shopName: env.SHOP_NAME || 'Emporium', realEmail: Boolean(env.SMTP_URL) }
}

export type StorefrontConfig = ReturnType<typeof loadStorefrontConfig>

/**
 * The production profile's rule for a storefront running apart (server.ts): the
 * services it calls and the cookie secret its instances share, or the start
 * stops naming what is missing.
 */
export function storefrontProductionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = []
  if (!env.STOREFRONT_COOKIE_SECRET) problems.push('STOREFRONT_COOKIE_SECRET is required with PROFILE=production (the same in every storefront instance, for the CSRF cookie)')
  if (env.STOREFRONT_API_URL) return problems
  for (const peer of API_PEERS) {
    const setting = peerUrlSetting(peer)
    if (!env[setting]) problems.push(`${setting} is required with PROFILE=production (the storefront calls the ${peer} service's public routes)`)
  }
  return problems
}
