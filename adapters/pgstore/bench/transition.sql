-- One status change, hand-written: the statements pgstore sends for
-- oms.Service.Hold / Resume, one client per order (no conflicts).
-- Read the order (same SELECT as pgstore), update it with the version
-- check in the WHERE clause, insert the history row and the outbox row,
-- in one transaction. Differences from pgstore, all server-side trivia:
-- orders.discount is written back as itself (\gset keeps only the last of
-- two columns named discount), times come from now() rather than the
-- client, and values travel as text rather than binary.
BEGIN;
SELECT o.id, o.number, o.channel_type, o.channel_id, o.store, o.external_id, o.order_type,
	o.client_id, o.client_groups, o.client_email, o.currency,
	o.subtotal, o.discount, o.tax, o.delivery_fee, o.total,
	o.payment_method, o.billing, o.shipping, o.seller, o.notes,
	o.status, o.held_from, o.approval_required, o.approval, o.approval_rule, o.reject_reason,
	o.ship_courier, o.ship_awb, o.ship_url, o.paid, o.refunded,
	o.created_at, o.updated_at, o.delivered_at, o.version,
	l.product_id, l.sku, l.name, l.product_group, l.quantity, l.unit_price, l.discount, l.tax_rate,
	l.shipped, l.delivered, l.returned
FROM orders o
CROSS JOIN LATERAL (SELECT array_agg(product_id ORDER BY pos) AS product_id, array_agg(sku ORDER BY pos) AS sku,
	array_agg(name ORDER BY pos) AS name, array_agg(product_group ORDER BY pos) AS product_group,
	array_agg(quantity ORDER BY pos) AS quantity, array_agg(unit_price ORDER BY pos) AS unit_price,
	array_agg(discount ORDER BY pos) AS discount, array_agg(tax_rate ORDER BY pos) AS tax_rate,
	array_agg(shipped ORDER BY pos) AS shipped, array_agg(delivered ORDER BY pos) AS delivered,
	array_agg(returned ORDER BY pos) AS returned
	FROM order_lines WHERE order_id = o.id) l WHERE o.id = :client_id::text \gset r_
\if :r_status = 9
\set to :r_held_from
\set newheld :r_held_from
\else
\set to 9
\set newheld :r_status
\endif
UPDATE orders SET number = :r_number, order_type = :r_order_type, client_id = :r_client_id, client_groups = :r_client_groups,
	client_email = :r_client_email, currency = :r_currency, subtotal = :r_subtotal, discount = discount, tax = :r_tax,
	delivery_fee = :r_delivery_fee, total = :r_total, payment_method = :r_payment_method, billing = :r_billing,
	shipping = :r_shipping, seller = :r_seller, notes = :r_notes, status = :to, held_from = :newheld,
	approval_required = :r_approval_required, approval = :r_approval, approval_rule = :r_approval_rule,
	reject_reason = :r_reject_reason, ship_courier = :r_ship_courier, ship_awb = :r_ship_awb, ship_url = :r_ship_url,
	paid = :r_paid, refunded = :r_refunded, updated_at = now(), delivered_at = NULLIF(:r_delivered_at, '')::timestamptz,
	version = version + 1
WHERE id = :r_id AND channel_type = :r_channel_type AND channel_id = :r_channel_id AND store = :r_store
	AND external_id = :r_external_id AND created_at = :r_created_at AND version = :r_version;
INSERT INTO order_history (order_id, at, actor, from_status, to_status, event, reason)
VALUES (:r_id, now(), 'bench', :r_status, :to, CASE WHEN :to = 9 THEN 'hold' ELSE 'resume' END, CASE WHEN :to = 9 THEN 'bench' ELSE '' END);
INSERT INTO outbox (type, order_id, event, from_status, to_status, actor, reason, at, channel_type, channel_id)
VALUES ('order.status_changed', :r_id, CASE WHEN :to = 9 THEN 'hold' ELSE 'resume' END, :r_status, :to, 'bench',
	CASE WHEN :to = 9 THEN 'bench' ELSE '' END, now(), :r_channel_type, :r_channel_id) RETURNING id;
END;
