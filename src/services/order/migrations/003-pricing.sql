-- What an order costs beyond its lines: discount codes, shipping options, tax
-- rates, and on each order the code, shipping and tax it was priced with.
-- Amounts are integer minor units; rates are basis points (1 % = 100).

create table orders.discount_codes (
  id bigint generated always as identity primary key,
  code text not null unique check (code = upper(code)),
  kind text not null check (kind in ('percentage', 'fixed')),
  percent_off integer check (percent_off between 1 and 100),
  amount_off integer check (amount_off > 0),
  -- The currency of amount_off and min_subtotal; null for a percentage code without a minimum.
  currency char(3),
  min_subtotal integer not null default 0 check (min_subtotal >= 0),
  starts_at timestamptz,
  ends_at timestamptz,
  max_uses integer check (max_uses > 0),
  max_uses_per_customer integer check (max_uses_per_customer > 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  check (starts_at is null or ends_at is null or ends_at > starts_at),
  check ((kind = 'percentage' and percent_off is not null and amount_off is null)
      or (kind = 'fixed' and amount_off is not null and percent_off is null and currency is not null)),
  check (min_subtotal = 0 or currency is not null)
);

create table orders.shipping_options (
  id bigint generated always as identity primary key,
  name text not null,
  -- ISO 3166-1 alpha-2 codes of the region this option ships to.
  countries text[] not null check (cardinality(countries) > 0),
  currency char(3) not null,
  price integer not null check (price >= 0),
  -- Free when the goods (after the discount) cost at least this much.
  free_above integer check (free_above >= 0),
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table orders.tax_rates (
  country char(2) not null,
  -- '' is the whole country; a region's own rate replaces it there.
  region text not null default '',
  name text not null,
  rate_bp integer not null check (rate_bp between 0 and 10000),
  updated_at timestamptz not null default now(),
  primary key (country, region)
);

-- A code's uses are the orders that carry it and stand (not payment_failed, not
-- cancelled): a failed or cancelled order gives its use back by its status alone.
alter table orders.orders
  add column discount_code_id bigint references orders.discount_codes (id),
  add column discount_code text,
  add column discount_amount integer not null default 0 check (discount_amount >= 0),
  add column shipping_option_id bigint,
  add column shipping_name text,
  add column shipping_amount integer not null default 0 check (shipping_amount >= 0),
  add column tax_amount integer not null default 0 check (tax_amount >= 0),
  add column tax_lines jsonb not null default '[]',
  add column prices_include_tax boolean not null default false;
create index orders_by_discount_code on orders.orders (discount_code_id, user_id) where discount_code_id is not null;
