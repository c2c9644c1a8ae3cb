-- A customer's address book: addresses to choose at checkout (shippingAddressId).
-- The order keeps its own copy (orders.shipping_address), so deleting an entry
-- never changes an order.
create table orders.addresses (
  id uuid primary key,
  user_id text not null,
  label text,
  -- The same shape as checkout's shippingAddress, validated by the route's schema.
  address jsonb not null,
  created_at timestamptz not null default now()
);
create index addresses_by_user on orders.addresses (user_id, created_at, id);
