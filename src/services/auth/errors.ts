import { declareError } from '../../platform/errors.js'

/** Every error the auth service answers with, declared once (codes are API: never renamed). */

// Input.
export const invalidEmail = declareError('INVALID_EMAIL', 400, 'That is not an e-mail address')
export const passwordTooLong = declareError('PASSWORD_TOO_LONG', 400, (maxBytes: number) => `A password has at most ${maxBytes} bytes`)
export const weakPassword = declareError('WEAK_PASSWORD', 400, (minChars?: number) =>
  minChars === undefined ? 'That password is too easy to guess; choose another' : `A password needs at least ${minChars} characters`,
)

// Accounts and sessions.
export const emailTaken = declareError('EMAIL_TAKEN', 409, 'An account with this e-mail address already exists')
export const invalidCredentials = declareError('INVALID_CREDENTIALS', 401, 'Wrong e-mail address or password')
export const loginThrottled = declareError('LOGIN_THROTTLED', 429, (seconds: number) => ({
  message: `Too many failed sign-ins for this account; retry in ${seconds} s`,
  headers: { 'retry-after': String(seconds) },
}))
export const authBusy = declareError('AUTH_BUSY', 503, 'Too many sign-ins at once; try again in a moment', { headers: { 'retry-after': '1' } })
export const invalidRefreshToken = declareError('INVALID_REFRESH_TOKEN', 401, 'The refresh token is invalid, expired or revoked; sign in again')
export const refreshTokenReused = declareError(
  'REFRESH_TOKEN_REUSED',
  401,
  'This refresh token was already used; the session has been ended, sign in again',
)
export const userNotFound = declareError('USER_NOT_FOUND', 404, 'The account no longer exists')

// Passwords and e-mail addresses.
export const currentPasswordIncorrect = declareError('CURRENT_PASSWORD_INCORRECT', 403, 'The current password is wrong')
export const passwordChangedConcurrently = declareError('PASSWORD_CHANGED_CONCURRENTLY', 409, 'The password was changed meanwhile; sign in again')
export const invalidResetToken = declareError('INVALID_RESET_TOKEN', 400, 'This reset link is invalid, used or expired; ask for a new one')
export const invalidVerificationToken = declareError('INVALID_VERIFICATION_TOKEN', 400, 'This verification link is invalid, used or expired')
export const emailAlreadyVerified = declareError('EMAIL_ALREADY_VERIFIED', 409, 'This e-mail address is already confirmed')
export const verificationEmailLimit = declareError('VERIFICATION_EMAIL_LIMIT', 429, (perHour: number) => ({
  message: `At most ${perHour} confirmation e-mails an hour (the welcome e-mail counts); try again later`,
  headers: { 'retry-after': '3600' },
}))
