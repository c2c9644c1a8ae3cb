import type { UserEventPayloads } from '../../contracts/events.js'
import type { Queryable } from '../../platform/db/db.js'
import { appendEvent } from '../../platform/events/outbox.js'

type UserEventType = keyof UserEventPayloads

/** Appends a user.* event (contracts/events.ts) to the auth outbox, in the caller's transaction. */
export async function emitUserEvent<T extends UserEventType>(tx: Queryable, type: T, payload: UserEventPayloads[T], traceId: string | undefined): Promise<void>
// The signature above ties the payload to the event type for callers; the implementation is typed by the union.
export async function emitUserEvent(tx: Queryable, type: UserEventType, payload: UserEventPayloads[UserEventType], traceId: string | undefined): Promise<void> {
  await appendEvent(tx, 'auth', { type, aggregateType: 'user', aggregateId: payload.userId, payload, ...(traceId ? { traceId } : {}) })
}
