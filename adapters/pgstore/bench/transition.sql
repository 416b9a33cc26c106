-- One status change, hand-written: the statements pgstore sends for
-- oms.Service.Hold / Resume, one client per order (no conflicts).
-- Read the order (same SELECT as pgstore), update it with the version
-- check in the WHERE clause, insert the history row and the outbox row,
-- in one transaction. Differences from pgstore, all server-side trivia:
-- times come from now() rather than the client, event names from CASE,
-- and values travel as text rather than binary.
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
\else
\set to 9
\endif
-- pgstore sends only the columns that changed for an order it read in the
-- unit: for hold/resume from Draft that is status and updated_at (held_from
-- stays 0), plus the version bump and check. (It sends the UPDATE with the
-- INSERTs and COMMIT, inside a WITH whose SELECT raises if no row matched;
-- it draws the outbox id with nextval in the SELECT above and inserts the
-- event with it; here the identity default draws it in the INSERT.)
UPDATE orders SET status = :to, updated_at = now(), version = version + 1
WHERE id = :r_id AND version = :r_version;
INSERT INTO order_history (order_id, at, actor, from_status, to_status, event, reason)
VALUES (:r_id, now(), 'bench', :r_status, :to, CASE WHEN :to = 9 THEN 'hold' ELSE 'resume' END, CASE WHEN :to = 9 THEN 'bench' ELSE '' END);
INSERT INTO outbox (type, order_id, event, from_status, to_status, actor, reason, at, channel_type, channel_id)
VALUES ('order.status_changed', :r_id, CASE WHEN :to = 9 THEN 'hold' ELSE 'resume' END, :r_status, :to, 'bench',
	CASE WHEN :to = 9 THEN 'bench' ELSE '' END, now(), :r_channel_type, :r_channel_id) RETURNING id;
END;
