-- Automatic promotions: order-level discounts that apply without a code (the
-- product service's deals discount single products). The best running one a
-- cart qualifies for applies; a discount code comes on top of it. Shipping
-- options may be priced by weight.

create table orders.promotions (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 120),
  kind text not null check (kind in ('percentage', 'fixed')),
  percent_off integer check (percent_off between 1 and 100),
  amount_off integer check (amount_off > 0),
  -- The currency of amount_off and min_subtotal; null for a percentage promotion without a minimum.
  currency char(3),
  min_subtotal integer not null default 0 check (min_subtotal >= 0),
  starts_at timestamptz,
  ends_at timestamptz,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  check (starts_at is null or ends_at is null or ends_at > starts_at),
  check ((kind = 'percentage' and percent_off is not null and amount_off is null)
      or (kind = 'fixed' and amount_off is not null and percent_off is null and currency is not null)),
  check (min_subtotal = 0 or currency is not null)
);
create index promotions_running on orders.promotions (ends_at) where active;

alter table orders.orders
  add column promotion_id bigint references orders.promotions (id),
  add column promotion_name text,
  add column promotion_amount integer not null default 0 check (promotion_amount >= 0);

-- Weight-based shipping: brackets [{ "upToGrams": 1000, "price": 499 }, ...], lightest first;
-- the first bracket the parcel fits prices it, and a heavier parcel cannot take the option.
-- Null: a flat price.
alter table orders.shipping_options add column weight_rates jsonb;
