package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
)

// TestExplain loads 40,000 orders shaped like a real shop's history (most
// delivered; 0.5% unconfirmed, 0.5% back orders, 2% needed approval), runs ANALYZE, and prints the plan of each operator
// list (go test -run TestExplain -v). Each must be served by the index
// built for it, never by a sequential scan of orders.
func TestExplain(t *testing.T) {
	t.Parallel()
	_, dsn := storeAndDSN(t)
	ctx := context.Background()
	c := raw(t, dsn)
	const load = `
INSERT INTO orders (id, number, channel_type, channel_id, store, external_id, order_type, client_id, client_groups,
	client_email, currency, subtotal, discount, tax, delivery_fee, total, payment_method, billing, shipping, seller,
	notes, status, held_from, approval_required, approval, approval_rule, reject_reason, ship_courier, ship_awb,
	ship_url, paid, refunded, created_at, updated_at, delivered_at, version)
SELECT 'o' || lpad(i::text, 8, '0'), 'N' || i,
	(ARRAY['pos','portal','woocommerce','shopify','manual','pre_order','api'])[1 + i % 7], 1 + i % 40, 'shop', i::text,
	'retail', 'C' || (i % 3000), '{}', '', 'RON', 100, 0, 19, 15, 134, '', '{}', '{}', '', '',
	CASE WHEN i % 1000 < 3 THEN 0 WHEN i % 1000 < 5 THEN 1 WHEN i % 1000 < 10 THEN 16 ELSE 5 END, 0,
	i % 50 = 0, CASE WHEN i % 200 = 0 THEN 0 WHEN i % 150 = 0 THEN -1 ELSE 1 END, '', '', '', '', '', 0, 0,
	timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', now(), NULL, 1
FROM generate_series(1, 40000) AS i;
INSERT INTO order_lines (order_id, pos, product_id, sku, name, product_group, quantity, unit_price, discount, tax_rate,
	shipped, delivered, returned)
SELECT id, 0, 'P', '', '', '', 1, 100, 0, 19, 0, 0, 0 FROM orders;
ANALYZE;`
	if _, err := c.Exec(ctx, load); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	cursor := oms.EncodeCursor(time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), "o00014000")
	cases := []struct {
		name  string
		f     oms.Filter
		p     oms.Page
		index string
	}{
		{"all orders, first page", oms.Filter{}, oms.Page{}, "orders_created"},
		{"all orders, after a cursor", oms.Filter{}, oms.Page{Cursor: cursor}, "orders_created"},
		{"unconfirmed (Draft, Processing)", oms.Filter{Statuses: []oms.Status{oms.Draft, oms.Processing}}, oms.Page{}, "orders_status"},
		{"unconfirmed, after a cursor", oms.Filter{Statuses: []oms.Status{oms.Draft, oms.Processing}}, oms.Page{Cursor: cursor}, "orders_status"},
		{"back orders (Stock Unavailable)", oms.Filter{Statuses: []oms.Status{oms.StockUnavailable}}, oms.Page{Cursor: cursor}, "orders_status"},
		{"awaiting approval", oms.Filter{Approval: oms.AwaitingApproval}, oms.Page{}, "orders_approval"},
		{"rejected", oms.Filter{Approval: oms.RejectedOnly}, oms.Page{}, "orders_approval"},
		{"channel type and id", oms.Filter{ChannelType: oms.ChannelShopify, ChannelID: 3}, oms.Page{}, "orders_channel"},
		{"channel id", oms.Filter{ChannelID: 7}, oms.Page{}, "orders_channel_id"},
		{"client", oms.Filter{ClientID: "C42"}, oms.Page{}, "orders_client"},
		{"created range", oms.Filter{CreatedFrom: from, CreatedTo: from.Add(24 * time.Hour)}, oms.Page{}, "orders_created"},
	}
	for _, tc := range cases {
		q, args, _, err := pgstore.ListQuery(tc.f, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		for kind, plan := range plans(t, c, q, args) {
			t.Logf("%s (%s plan):\n%s", tc.name, kind, plan)
			if !usesIndex(plan, "orders", tc.index) {
				t.Errorf("%s: %s plan does not use %s:\n%s", tc.name, kind, tc.index, plan)
			}
			// Several statuses are read one index range each, merged in list
			// order: a Sort node would sort every order in those statuses for
			// each page. (For a small set, such as a client's few orders, the
			// planner may rightly prefer a sort.)
			if len(tc.f.Statuses) > 1 && (strings.Contains(plan, "->  Sort") || strings.HasPrefix(plan, "Sort")) {
				t.Errorf("%s: %s plan sorts the matching orders:\n%s", tc.name, kind, plan)
			}
		}
	}
}

// plans returns q's custom plan (planned for args) and its generic plan.
func plans(t *testing.T, c *pgx.Conn, q string, args []any) map[string]string {
	t.Helper()
	rows, err := c.Query(context.Background(), "EXPLAIN (COSTS OFF) "+q, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"custom": strings.Join(lines, "\n"), "generic": strings.Join(genericPlan(t, c, q, args), "\n")}
}

// usesIndex reports whether plan reads index and never scans table in full.
func usesIndex(plan, table, index string) bool {
	return !strings.Contains(plan, "Seq Scan on "+table) && (strings.Contains(plan, " "+index+" ") ||
		strings.Contains(plan, " "+index+"\n") || strings.HasSuffix(plan, " "+index))
}

// genericPlan is the plan PostgreSQL uses for q once it stops planning a
// prepared statement for each call's values (plan_cache_mode
// force_generic_plan makes it do so at once): the plan that a statement
// cache such as pgx's may run for most calls.
func genericPlan(t *testing.T, c *pgx.Conn, q string, args []any) []string {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE list_query AS " + q} {
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	defer func() {
		for _, stmt := range []string{"DEALLOCATE list_query", "RESET plan_cache_mode"} {
			if _, err := c.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}()
	// EXPLAIN EXECUTE takes no parameters: the values are written as
	// literals, which a generic plan does not look at anyway.
	vals := make([]string, len(args))
	for i, a := range args {
		vals[i] = sqlLiteral(t, a)
	}
	call := "list_query"
	if len(vals) > 0 {
		call += "(" + strings.Join(vals, ", ") + ")"
	}
	rows, err := c.Query(ctx, "EXPLAIN (COSTS OFF) EXECUTE "+call)
	if err != nil {
		t.Fatalf("explain %s: %v", call, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func sqlLiteral(t *testing.T, a any) string {
	t.Helper()
	switch v := a.(type) {
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'::timestamptz"
	case int, int16, int64:
		return fmt.Sprint(v)
	}
	t.Fatalf("no SQL literal for %T", a)
	return ""
}

// TestExplainDiscountLog loads a year of applied discount log (60,000 rows:
// 200 rules, 3,000 clients, 40 channels, 5% with a voucher), runs ANALYZE
// and prints the plan of each DiscountLog filter (go test -run
// TestExplainDiscountLog -v). Each must use the index built for it, never
// a sequential scan of the log.
func TestExplainDiscountLog(t *testing.T) {
	t.Parallel()
	_, dsn := storeAndDSN(t)
	ctx := context.Background()
	c := raw(t, dsn)
	const load = `
INSERT INTO discount_log (rule, rule_name, client_id, product_id, order_id, channel_id, voucher,
	original_price, price_after, original_total, total_after, saved, quantity, currency, at)
SELECT 1 + i % 200, 'rule', 'C' || (i % 3000), 'P' || (i % 500), 'o' || lpad((i / 2)::text, 8, '0'), 1 + i % 40,
	CASE WHEN i % 20 = 0 THEN 'V' || (i % 100) ELSE '' END,
	10.5000, 9.4500, 21.00, 18.90, 2.10, 2, 'RON',
	timestamptz '2026-01-01 00:00:00+00' + i * interval '525 seconds'
FROM generate_series(1, 60000) AS i;
ANALYZE discount_log;`
	if _, err := c.Exec(ctx, load); err != nil {
		t.Fatal(err)
	}
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		f     oms.DiscountLogFilter
		index string
	}{
		{"an order's rows", oms.DiscountLogFilter{Order: "o00012345"}, "discount_log_order"},
		{"a rule", oms.DiscountLogFilter{Rule: 17}, "discount_log_rule"},
		{"a rule in a month", oms.DiscountLogFilter{Rule: 17, From: month, To: month.AddDate(0, 1, 0)}, "discount_log_rule"},
		{"a client", oms.DiscountLogFilter{Client: "C42"}, "discount_log_client"},
		{"a channel", oms.DiscountLogFilter{Channel: 3}, "discount_log_channel"},
		{"a voucher", oms.DiscountLogFilter{Voucher: "V40"}, "discount_log_voucher"},
		{"a day", oms.DiscountLogFilter{From: month, To: month.AddDate(0, 0, 1)}, "discount_log_at"},
		{"the first rows written", oms.DiscountLogFilter{Limit: 50}, "discount_log_pkey"},
	}
	for _, tc := range cases {
		q, args := pgstore.DiscountLogQuery(tc.f)
		for kind, plan := range plans(t, c, q, args) {
			t.Logf("%s (%s plan):\n%s", tc.name, kind, plan)
			if !usesIndex(plan, "discount_log", tc.index) {
				t.Errorf("%s: %s plan does not use %s:\n%s", tc.name, kind, tc.index, plan)
			}
		}
	}
}
