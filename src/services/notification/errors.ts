import { PermanentEventError } from '../../platform/bus/bus.js'
import { declareError } from '../../platform/errors.js'

/** Every error of the notification service, declared once (codes are API: never renamed). */

// Sending: in logs and dead letters, not in HTTP answers. A permanent refusal is dead-lettered at once.
export const mailRejected = declareError('MAIL_REJECTED', 422, (detail: string) => `mail server refused the message (${detail})`, { type: PermanentEventError })
export const mailUnavailable = declareError('MAIL_UNAVAILABLE', 503, (message: string) => message)

// The development mailbox (/dev/mail).
export const devMailLocalOnly = declareError('DEV_MAIL_LOCAL_ONLY', 403, 'The development mailbox is only served to this machine')
export const mailNotFound = declareError('MAIL_NOT_FOUND', 404, (id: string) => `No e-mail '${id}'`)
