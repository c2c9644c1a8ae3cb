import { Type } from '@sinclair/typebox'
import { tokenVerifierConfig } from '../platform/auth/config.js'
import { loadConfig } from '../platform/config.js'

/** What the storefront reads from the environment (validated with the rest at start-up). */
export const storefrontConfig = Type.Object({
  STOREFRONT_API_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'Where the public API answers when the storefront runs apart from the services; unset: the services in this process.',
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
      description: 'Signs the CSRF cookie; the same value on every storefront instance. Unset: random per process (a form left open across a restart is refused once, then works).',
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
