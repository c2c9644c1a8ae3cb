/**
 * The one error type of the code base. Throw an AppError for an expected refusal
 * (OUT_OF_STOCK, 409); anything else is a bug and becomes 500 INTERNAL in the
 * error handler of server.ts, with the details only in the log.
 * Codes are API: SCREAMING_SNAKE, never renamed.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`, 404)
}

export function badRequest(code: string, message: string): AppError {
  return new AppError(code, message, 400)
}

export function unavailable(code: string, message: string, retryAfterSeconds = 1): AppError {
  return new AppError(code, message, 503, { 'retry-after': String(retryAfterSeconds) })
}

export interface ErrorBody {
  error: { code: string; message: string }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } }
}
