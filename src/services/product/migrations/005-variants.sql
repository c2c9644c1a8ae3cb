-- Variants: a product has options (ordered: [{ "name": "Size", "values": ["S", "M", "L"] }])
-- and variants, one per combination of option values it sells. Stock lives on the
-- variant; products.stock stays as the sum of its live variants' stock (list filters,
-- "in stock", search and caches read it), changed by the same statement as every
-- variant stock change (stock-store.ts, variant-store.ts).
alter table catalog.products add column options jsonb not null default '[]'::jsonb;

create table catalog.variants (
  id bigint generated always as identity primary key,
  product_id bigint not null references catalog.products (id) on delete cascade,
  sku text not null check (length(sku) between 1 and 140),
  -- One value per option of the product ({ "Size": "M" }); {} for the default variant of a product without options.
  option_values jsonb not null default '{}'::jsonb,
  -- Overrides the product's price (same currency); null: the product's price.
  price_amount integer check (price_amount >= 0),
  stock integer not null default 0,
  weight_grams integer not null default 0 check (weight_grams >= 0),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Soft delete like products: reservations and orders keep pointing at what was sold.
  deleted_at timestamptz,
  -- The backstop under every stock decrement: never below zero.
  constraint variants_stock_not_negative check (stock >= 0)
);
create unique index variants_sku on catalog.variants (sku) where deleted_at is null;
-- No two live variants of a product with the same combination.
create unique index variants_combination on catalog.variants (product_id, option_values) where deleted_at is null;
create index variants_product on catalog.variants (product_id, position, id);

-- Every new product gets its default variant (SKU = slug) carrying its stock, however it is
-- inserted (admin route, demo seeder, tests): a product is always sold through a variant.
create function catalog.add_default_variants() returns trigger language plpgsql as $$
begin
  insert into catalog.variants (product_id, sku, stock) select id, slug, stock from new_rows;
  return null;
end $$;
create trigger products_default_variant after insert on catalog.products
  referencing new table as new_rows for each statement execute function catalog.add_default_variants();

-- Existing products: one default variant each, with the product's stock.
insert into catalog.variants (product_id, sku, stock, deleted_at, created_at)
select id, slug, stock, deleted_at, created_at from catalog.products order by id;
