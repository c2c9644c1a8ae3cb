import { Type } from '@sinclair/typebox'
import { MAX_EMAIL_LENGTH } from './passwords.js'

/** Request and response shapes of the auth service. Responses list their fields, so no hash or internal column leaks. */

// Characters, checked by the schema; the 1 KiB byte limit is checked after normalisation (PASSWORD_TOO_LONG).
const Password = Type.String({ minLength: 1, maxLength: 1024 })
const Email = Type.String({ minLength: 1, maxLength: MAX_EMAIL_LENGTH })
const OpaqueToken = Type.String({ minLength: 1, maxLength: 200 })

export const Credentials = Type.Object({ email: Email, password: Password }, { additionalProperties: false })
export const RefreshBody = Type.Object({ refreshToken: OpaqueToken }, { additionalProperties: false })
export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false })
export const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false })
export const ResetConfirmBody = Type.Object({ token: OpaqueToken, password: Password }, { additionalProperties: false })
export const VerificationConfirmBody = Type.Object({ token: OpaqueToken }, { additionalProperties: false })

export const User = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  roles: Type.Array(Type.Union([Type.Literal('customer'), Type.Literal('admin')])),
  createdAt: Type.String({ format: 'date-time' }),
})

export const Session = Type.Object({
  user: User,
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
  refreshToken: Type.String({ description: 'Opaque; exchange it once at /refresh. Keep it secret.' }),
  refreshTokenExpiresAt: Type.String({ format: 'date-time' }),
})

export const NoContent = Type.Null({ description: 'No body.' })

export const Accepted = Type.Object({ status: Type.Literal('accepted') })

export const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.String(),
      use: Type.String(),
    }),
  ),
})

export const ErrorResponse = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
