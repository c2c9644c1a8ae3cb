-- The catalog: categories (a tree), products with stock, deals.
create table catalog.categories (
  id integer generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  name text not null check (length(name) between 1 and 120),
  parent_id integer references catalog.categories (id) on delete restrict,
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (parent_id is distinct from id)
);
create index categories_parent on catalog.categories (parent_id, position, id);

create table catalog.products (
  id bigint generated always as identity primary key,
  -- A slug always has a letter, so it can never be mistaken for an id in /api/products/:idOrSlug.
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and slug ~ '[a-z]' and length(slug) <= 120),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  price_amount integer not null check (price_amount >= 0),
  currency char(3) not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  category_id integer references catalog.categories (id) on delete restrict,
  attributes jsonb not null default '{}'::jsonb,
  stock integer not null default 0,
  images jsonb not null default '[]'::jsonb,
  -- Units sold, kept by the order events; ranks recommendations and best sellers.
  popularity integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Soft delete: orders keep pointing at what was sold.
  deleted_at timestamptz,
  search tsvector generated always as (
    setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', description), 'B')
  ) stored,
  -- The backstop under every stock decrement: never below zero.
  constraint products_stock_not_negative check (stock >= 0)
);
create index products_search on catalog.products using gin (search);
-- "Newest" is creation order, which is id order: exact keyset pages without timestamp precision games.
create index products_category on catalog.products (category_id, id desc) where deleted_at is null;
create index products_price on catalog.products (price_amount, id) where deleted_at is null;
create index products_category_popular on catalog.products (category_id, popularity desc, id) where deleted_at is null;
create index products_popular on catalog.products (popularity desc, id) where deleted_at is null;

create table catalog.deals (
  id integer generated always as identity primary key,
  product_id bigint not null references catalog.products (id) on delete cascade,
  title text not null default '' check (length(title) <= 200),
  discount_percent integer not null check (discount_percent between 1 and 90),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  created_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index deals_product on catalog.deals (product_id, ends_at);
create index deals_active on catalog.deals (ends_at, starts_at);
