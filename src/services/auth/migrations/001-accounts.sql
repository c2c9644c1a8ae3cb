-- Accounts, sessions (refresh-token families), one-time tokens, login throttling.
-- The outbox (auth.outbox) is made by the migrator from its template (platform/events/outbox-store.ts).
create table auth.users (
  id uuid primary key default gen_random_uuid(),
  -- Normalised (NFC, trimmed, lower case) by the service; one account per address.
  email text not null unique check (length(email) between 3 and 254),
  email_verified_at timestamptz,
  -- argon2id, PHC string format.
  password_hash text not null check (password_hash like '$argon2id$%'),
  roles text[] not null default array['customer']::text[]
    check (cardinality(roles) >= 1 and roles <@ array['customer', 'admin']::text[]),
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One family per sign-in: every refresh token that descends from it by rotation.
-- Revoking the family (logout, reuse of a rotated token, password change) ends the session.
create table auth.refresh_families (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_reason text check (revoked_reason in ('logout', 'reuse', 'password_changed', 'password_reset'))
);
create index refresh_families_user on auth.refresh_families (user_id) where revoked_at is null;

-- Opaque refresh tokens, stored as SHA-256 (base64url) only.
create table auth.refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  family_id uuid not null references auth.refresh_families (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- Set when the token is exchanged (rotated); a second use is a reuse.
  used_at timestamptz
);
create index refresh_tokens_family on auth.refresh_tokens (family_id);
create index refresh_tokens_expiry on auth.refresh_tokens (expires_at);

-- Password-reset and e-mail-verification tokens: single use, expiring, stored hashed.
create table auth.one_time_tokens (
  token_hash text primary key,
  purpose text not null check (purpose in ('password_reset', 'email_verification')),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index one_time_tokens_user on auth.one_time_tokens (user_id, purpose, created_at);
create index one_time_tokens_expiry on auth.one_time_tokens (expires_at);

-- Login attempts per account (SHA-256 of the normalised e-mail, known account or not),
-- shared by every instance: exponential back-off after repeated failures.
create table auth.login_throttle (
  email_key text primary key,
  failures integer not null check (failures >= 0),
  locked_until timestamptz,
  updated_at timestamptz not null default now()
);
create index login_throttle_updated on auth.login_throttle (updated_at);
