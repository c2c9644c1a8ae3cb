-- Stock reservations, one per order, and what the order events taught us.
create table catalog.reservations (
  order_id uuid primary key,
  -- held: taken at checkout; attached: the order exists (order.placed);
  -- confirmed: paid; released: the stock went back.
  status text not null check (status in ('held', 'attached', 'confirmed', 'released')),
  lines jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- A held reservation whose order never got written (a crash between the two
  -- steps) goes back to stock after this.
  expires_at timestamptz not null
);
create index reservations_expiring on catalog.reservations (expires_at) where status = 'held';

-- Products bought together (from paid orders), for recommendations.
create table catalog.co_purchases (
  product_id bigint not null,
  other_id bigint not null,
  orders integer not null default 0,
  primary key (product_id, other_id)
);
create index co_purchases_top on catalog.co_purchases (product_id, orders desc, other_id);

-- The inbox of the order events (catalog.inbox) is made by the migrator from its template
-- (platform/events/inbox.ts).
