-- The billing address of an order, a copy like its shipping address: given at
-- checkout (inline or from the address book), or the shipping address when not.
-- Orders placed before it existed were billed where they shipped.
alter table orders.orders add column billing_address jsonb;
update orders.orders set billing_address = shipping_address;
alter table orders.orders alter column billing_address set not null;
