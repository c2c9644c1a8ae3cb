import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { identityOf, requireUser } from '../../platform/auth/identity.js'
import type { App } from '../../platform/server.js'
import * as store from './address-store.js'
import { addressBookFull, addressNotFound } from './errors.js'
import type { OrderDeps } from './order-deps.js'
import { ErrorResponse, ShippingAddress } from './schemas.js'

/** A customer's address book under /api/orders/addresses (address-book.ts: how a checkout uses it). */

export const MAX_ADDRESSES = 50

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse }
const doc = { tags: ['orders: address book'], security: [{ bearer: [] }] }

const NewAddress = Type.Object(
  { label: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'e.g. "Home", "Office"' })), address: ShippingAddress },
  { additionalProperties: false },
)
const Address = Type.Object({
  id: Type.String({ format: 'uuid' }),
  label: Type.Union([Type.String(), Type.Null()]),
  address: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
})
const AddressParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

const view = (r: store.AddressRow) => ({ id: r.id, label: r.label, address: r.address, createdAt: new Date(r.created_at).toISOString() })

export function registerAddressRoutes(app: App, deps: OrderDeps) {
  app.get(
    '/addresses',
    { preValidation: requireUser, schema: { ...doc, summary: 'Your address book, oldest first', response: { 200: Type.Object({ items: Type.Array(Address) }), ...errors } } },
    async (req) => ({ items: (await store.listAddresses(deps.db, identityOf(req).userId)).map(view) }),
  )

  app.post(
    '/addresses',
    { preValidation: requireUser, schema: { ...doc, summary: `Add an address (at most ${MAX_ADDRESSES})`, body: NewAddress, response: { 201: Address, ...errors } } },
    async (req, reply) => {
      const row = await store.insertAddress(
        deps.db,
        { id: randomUUID(), userId: identityOf(req).userId, label: req.body.label ?? null, address: req.body.address as Record<string, string> },
        MAX_ADDRESSES,
      )
      if (!row) throw addressBookFull(MAX_ADDRESSES)
      return reply.code(201).send(view(row))
    },
  )

  app.delete(
    '/addresses/:id',
    { preValidation: requireUser, schema: { ...doc, summary: 'Remove an address (orders keep their copy)', params: AddressParams, response: { 204: Type.Null({ description: 'No body.' }), ...errors } } },
    async (req, reply) => {
      if (!(await store.deleteAddress(deps.db, identityOf(req).userId, req.params.id))) throw addressNotFound(req.params.id)
      return reply.code(204).send(null)
    },
  )
}
