-- Carts of the embedded database (production keeps them in Redis). A cart is
-- gone once touched_at is older than CART_TTL_SECONDS: reads skip it, the next
-- write starts it afresh, and a sweep deletes it.
create table carts.carts (
  -- u:<user id> or g:<SHA-256 of the guest token>: the token itself is never stored.
  id text primary key check (length(id) between 3 and 100),
  -- Currency of the lines; meaningless while there are none.
  currency char(3) check (currency ~ '^[A-Z]{3}$'),
  touched_at timestamptz not null default now()
);
create index carts_touched_at on carts.carts (touched_at);

create table carts.lines (
  cart_id text not null references carts.carts (id) on delete cascade,
  product_id bigint not null check (product_id > 0),
  quantity integer not null check (quantity between 1 and 1000),
  -- Unit price in minor units when the line was last added or changed: "price changed" compares with it.
  seen_price integer not null check (seen_price >= 0),
  -- Insertion order, for a stable line order.
  line_no bigint generated always as identity,
  primary key (cart_id, product_id)
);

-- Orders already taken out of a cart (POST /internal/carts/:userId/ordered is idempotent per order).
create table carts.processed_orders (
  cart_id text not null references carts.carts (id) on delete cascade,
  order_id uuid not null,
  processed_at timestamptz not null default now(),
  primary key (cart_id, order_id)
);
