-- Orders, their lines, payments and idempotency keys of the order service.
-- The outbox (orders.outbox) is made by the migrator from its template (platform/events/outbox-store.ts).
create table orders.orders (
  id uuid primary key,
  user_id text not null,
  customer_email text not null,
  status text not null check (status in ('pending_payment', 'paid', 'shipped', 'delivered', 'cancelled')),
  currency char(3) not null,
  subtotal_amount integer not null check (subtotal_amount >= 0),
  total_amount integer not null check (total_amount >= 0),
  shipping_address jsonb not null,
  tracking_number text,
  cancel_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  paid_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz
);
create index orders_by_user on orders.orders (user_id, created_at desc, id desc);
create index orders_by_status on orders.orders (status, created_at desc, id desc);
create index orders_by_time on orders.orders (created_at desc, id desc);
create index orders_unpaid on orders.orders (created_at) where status = 'pending_payment';

create table orders.order_lines (
  order_id uuid not null references orders.orders (id) on delete cascade,
  product_id bigint not null,
  name text not null,
  quantity integer not null check (quantity > 0),
  unit_amount integer not null check (unit_amount >= 0),
  primary key (order_id, product_id)
);

-- Charges and refunds as the payment provider answered them.
create table orders.payments (
  id uuid primary key,
  order_id uuid not null references orders.orders (id),
  kind text not null check (kind in ('charge', 'refund')),
  status text not null check (status in ('pending', 'succeeded', 'declined')),
  attempt integer not null,
  amount integer not null check (amount >= 0),
  currency char(3) not null,
  provider_ref text,
  decline_code text,
  card_last4 text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (order_id, kind, attempt)
);
-- At most one attempt in flight and one success per order and kind: a second
-- parallel payment is refused by the database, not by luck.
create unique index payments_one_pending on orders.payments (order_id, kind) where status = 'pending';
create unique index payments_one_success on orders.payments (order_id, kind) where status = 'succeeded';

-- Idempotency-Key of POST /api/orders (Stripe semantics, IETF draft): scoped to
-- the user, kept 24 h; the order id is fixed at the first claim so that a retry
-- after a crash resumes the same order.
create table orders.idempotency_keys (
  user_id text not null,
  key text not null,
  fingerprint text not null,
  order_id uuid not null,
  status text not null check (status in ('in_flight', 'completed')),
  response_status integer,
  response_body text,
  locked_until timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
create index idempotency_keys_age on orders.idempotency_keys (created_at);

-- The built-in test payment provider's own ledger: it stands for the provider's
-- side, which remembers every idempotency key it was given.
create table orders.test_provider_operations (
  idempotency_key text primary key,
  kind text not null,
  amount integer not null,
  currency char(3) not null,
  status text not null,
  decline_code text,
  reference text not null,
  created_at timestamptz not null default now()
);
