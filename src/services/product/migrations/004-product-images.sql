-- Product images: one row per picture of a product. The files live under IMAGES_DIR,
-- addressed by the hash of the original (identical uploads share them); products.images
-- is the read model of the ready ones, rewritten with every change of these rows.
create table catalog.product_images (
  id uuid primary key default gen_random_uuid(),
  product_id bigint not null references catalog.products (id) on delete cascade,
  hash text not null check (hash ~ '^[0-9a-f]{32}$'),
  alt text not null default '' check (length(alt) <= 300),
  position integer not null check (position >= 0),
  -- processing: its variants are being made; ready: they exist; failed: they never will
  -- (error_code says why). Transitions: image-states.ts.
  status text not null check (status in ('processing', 'ready', 'failed')),
  error_code text,
  -- The original's size after EXIF orientation, and the variants' sizes (ascending) once ready.
  width integer,
  height integer,
  sizes jsonb,
  -- The process making the variants touches its rows; a processing row nobody touched
  -- for a while belongs to a process that stopped.
  heartbeat_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'ready' or sizes is not null),
  -- Deferred: a reorder moves every position in one statement.
  constraint product_images_position unique (product_id, position) deferrable initially deferred
);
-- Files are removed when the last row of their hash goes.
create index product_images_hash on catalog.product_images (hash);
create index product_images_processing on catalog.product_images (heartbeat_at) where status = 'processing';

-- Demo products (the seeder's) wait for a demo picture; the product service's demo-images
-- job attaches one and clears the flag, so a picture an admin removes never comes back.
alter table catalog.products add column needs_demo_image boolean not null default false;
create index products_needing_demo_image on catalog.products (category_id) where needs_demo_image;
