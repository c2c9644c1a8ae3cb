-- An admin finds a customer's orders by e-mail address (GET /api/orders?customerEmail=), newest first.
create index orders_by_customer_email on orders.orders (customer_email, created_at desc, id desc);
