-- Orders for bench/transition.sql: one per pgbench client (ids "0" …
-- "63", the client_id of pgbench), shaped like the orders BenchmarkPGTransition places through
-- oms.Service (one line, two client groups, two addresses). Run after the
-- schema (migrations/0001_orders.sql) in an empty database.
INSERT INTO orders (id, number, channel_type, channel_id, store, external_id, order_type, client_id, client_groups,
    client_email, currency, subtotal, discount, tax, delivery_fee, total, payment_method, billing, shipping, seller,
    notes, status, held_from, approval_required, approval, approval_rule, reject_reason, ship_courier, ship_awb,
    ship_url, paid, refunded, created_at, updated_at, delivered_at, version)
SELECT i::text, 'bench-' || i, 'manual', 1, '', '', '', 'C1', '{VIP}', '', 'RON',
    21.00, 0, 3.99, 0, 24.99, '', '{"name": "A", "city": "Cluj"}', '{"name": "A", "city": "Cluj"}', '', '',
    0, 0, false, 0, '', '', '', '', '', 0, 0, now(), now(), NULL, 1
FROM generate_series(0, 63) AS i;
INSERT INTO order_lines (order_id, pos, product_id, sku, name, product_group, quantity, unit_price, discount, tax_rate,
    shipped, delivered, returned)
SELECT id, 0, 'P1', 'S1', '', '', 2, 10.50, 0, 19, 0, 0, 0 FROM orders WHERE number LIKE 'bench-%';
