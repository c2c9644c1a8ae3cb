import { Type, type Static } from '@sinclair/typebox'

/**
 * Settings of access-token verification, read by every process (loadServiceConfig
 * merges this schema into every service's configuration). Issuer and audience
 * must be the same for the auth service that signs and the services that verify.
 */
export const DEFAULT_ISSUER = 'emporium-auth'
export const DEFAULT_AUDIENCE = 'emporium'

export const tokenVerifierConfig = Type.Object({
  AUTH_ISSUER: Type.String({ default: DEFAULT_ISSUER, minLength: 1, maxLength: 200, description: "The 'iss' of access tokens." }),
  AUTH_AUDIENCE: Type.String({ default: DEFAULT_AUDIENCE, minLength: 1, maxLength: 200, description: "The 'aud' of access tokens." }),
  AUTH_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        "Where a service without the auth service in its process fetches the public keys (the auth service's /api/auth/.well-known/jwks.json). Fetched once, cached, fetched again for an unknown kid.",
    }),
  ),
  AUTH_JWKS: Type.Optional(
    Type.String({ minLength: 2, description: 'The public keys as a JSON Web Key Set, instead of fetching AUTH_JWKS_URL.' }),
  ),
})

export type TokenVerifierConfig = Static<typeof tokenVerifierConfig>
