-- Checkout takes payment or nothing: a declined charge ends its order as
-- payment_failed (never placed; its stock goes back), kept for the record.
alter table orders.orders drop constraint orders_status_check;
alter table orders.orders add constraint orders_status_check
  check (status in ('pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'payment_failed'));
