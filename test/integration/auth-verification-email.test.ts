import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { UserEventPayloads } from '../../src/contracts/events.js'
import { buildTestApp } from '../helpers/build-app.js'
import { AUTH_TEST_ENV, bearer, errorCode, outboxEvents, registerUser } from '../helpers/auth-fixture.js'

const RESEND = '/api/auth/me/email-verifications'

type VerificationPayload = UserEventPayloads['user.verification_requested']

for (const adapters of ['embedded', 'real'] as const) {
  describe(`the confirmation e-mail again (${adapters})`, () => {
    test('an account not confirmed yet gets a new link, which confirms it; a confirmed one is told so; a guest must sign in', async (t) => {
      const built = await buildTestApp(t, { adapters, env: AUTH_TEST_ENV })
      const { app } = built
      const user = await registerUser(built)
      const auth = bearer(user.accessToken)

      const guest = await app.inject({ method: 'POST', url: RESEND })
      assert.equal(guest.statusCode, 401)

      const res = await app.inject({ method: 'POST', url: RESEND, headers: auth })
      assert.equal(res.statusCode, 202, res.body)
      assert.deepEqual(res.json(), { status: 'accepted' })
      const [event, ...more] = await outboxEvents(built, 'user.verification_requested')
      assert.equal(more.length, 0)
      assert.equal(event!.aggregate_id, user.user.id)
      const payload = event!.payload as VerificationPayload
      assert.deepEqual(Object.keys(payload).sort(), ['email', 'userId', 'verificationExpiresAt', 'verificationToken'])
      assert.equal(payload.email, user.user.email)
      const welcome = (await outboxEvents(built, 'user.registered'))[0]!.payload as VerificationPayload
      assert.notEqual(payload.verificationToken, welcome.verificationToken, 'a new link')

      const confirm = await app.inject({ method: 'POST', url: '/api/auth/email-verifications/confirm', payload: { token: payload.verificationToken } })
      assert.equal(confirm.statusCode, 204, confirm.body)
      const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: auth })
      assert.equal(me.json<{ emailVerified: boolean }>().emailVerified, true)

      const confirmed = await app.inject({ method: 'POST', url: RESEND, headers: auth })
      assert.equal(confirmed.statusCode, 409)
      assert.equal(errorCode(confirmed), 'EMAIL_ALREADY_VERIFIED')
      assert.equal((await outboxEvents(built, 'user.verification_requested')).length, 1, 'nothing sent to a confirmed address')
    })

    test('at most three confirmation e-mails an hour, the welcome e-mail included, also when the requests come at once', async (t) => {
      const built = await buildTestApp(t, { adapters, env: AUTH_TEST_ENV })
      const user = await registerUser(built)
      const answers = await Promise.all(Array.from({ length: 4 }, () => built.app.inject({ method: 'POST', url: RESEND, headers: bearer(user.accessToken) })))
      const statuses = answers.map((a) => a.statusCode).sort()
      assert.deepEqual(statuses, [202, 202, 429, 429], answers.map((a) => a.body).join('\n'))
      const refused = answers.find((a) => a.statusCode === 429)!
      assert.equal(errorCode(refused), 'VERIFICATION_EMAIL_LIMIT')
      assert.equal(refused.headers['retry-after'], '3600')
      assert.equal((await outboxEvents(built, 'user.verification_requested')).length, 2)
    })
  })
}
