-- A cart line is one variant of a product. Lines stored before variants keep
-- variant_id 0: the product's only variant, which the catalog resolves.
alter table carts.lines add column variant_id bigint not null default 0 check (variant_id >= 0);
alter table carts.lines drop constraint lines_pkey;
alter table carts.lines add primary key (cart_id, product_id, variant_id);
