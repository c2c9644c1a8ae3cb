-- An order line is one variant of a product, with the variant's data as sold.
-- The order service never reads the catalog's tables, so lines written before
-- variants keep variant_id null (and sku null, options {}, weight 0): each was
-- its product's only variant. One order holds a (product, variant) once.
alter table orders.order_lines add column variant_id bigint;
alter table orders.order_lines add column sku text;
alter table orders.order_lines add column options jsonb not null default '{}'::jsonb;
alter table orders.order_lines add column weight_grams integer not null default 0 check (weight_grams >= 0);
alter table orders.order_lines drop constraint order_lines_pkey;
create unique index order_lines_line on orders.order_lines (order_id, product_id, coalesce(variant_id, 0));
