package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// This file extends Store and Tx with the applied discount log (migration
// 0005), written by oms.Service.Place in the order's unit of work.

var _ oms.DiscountLogTx = (*Tx)(nil)
var _ oms.DiscountLogReader = (*Store)(nil)

// discountLogColumns are the columns written from a discount.LogRow, in
// the order of logArrays.args.
const discountLogColumns = "rule, rule_name, client_id, product_id, order_id, channel_id, voucher, " +
	"original_price, price_after, original_total, total_after, saved, quantity, currency, at"

// discountLogInsertSQL writes every row of one append in one statement,
// from one array per column; WITH ORDINALITY keeps the rows (and so seq)
// in the caller's order.
var discountLogInsertSQL = func() string {
	types := []string{"bigint", "text", "text", "text", "text", "bigint", "text",
		"numeric", "numeric", "numeric", "numeric", "numeric", "bigint", "text", "timestamptz"}
	parts := make([]string, len(types))
	for i, ty := range types {
		parts[i] = "$" + strconv.Itoa(i+1) + "::" + ty + "[]"
	}
	return "INSERT INTO discount_log (" + discountLogColumns + ")\nSELECT " + discountLogColumns +
		"\nFROM unnest(" + strings.Join(parts, ", ") + ") WITH ORDINALITY AS x(" + discountLogColumns +
		", ord)\nORDER BY ord"
}()

// logArrays are log rows column by column, for unnest.
type logArrays struct {
	rule, channel, qty                                  []int64
	name, client, product, order, voucher, currency     []string
	origPrice, priceAfter, origTotal, totalAfter, saved []pgtype.Numeric
	at                                                  []time.Time
}

func toLogArrays(rows []discount.LogRow) logArrays {
	n := len(rows)
	a := logArrays{rule: make([]int64, n), channel: make([]int64, n), qty: make([]int64, n),
		name: make([]string, n), client: make([]string, n), product: make([]string, n), order: make([]string, n),
		voucher: make([]string, n), currency: make([]string, n),
		origPrice: make([]pgtype.Numeric, n), priceAfter: make([]pgtype.Numeric, n), origTotal: make([]pgtype.Numeric, n),
		totalAfter: make([]pgtype.Numeric, n), saved: make([]pgtype.Numeric, n), at: make([]time.Time, n)}
	for i := range rows {
		r := &rows[i]
		a.rule[i], a.channel[i], a.qty[i] = int64(r.Rule), int64(r.Channel), r.Quantity
		a.name[i], a.client[i], a.product[i], a.order[i] = r.RuleName, string(r.Client), string(r.Product), r.Order
		a.voucher[i], a.currency[i] = r.Voucher, r.Currency
		a.origPrice[i], a.priceAfter[i] = num(r.OriginalPrice), num(r.PriceAfter)
		a.origTotal[i], a.totalAfter[i], a.saved[i] = num(r.OriginalTotal), num(r.TotalAfter), num(r.Saved)
		a.at[i] = r.At
	}
	return a
}

func (a logArrays) args() []any {
	return []any{a.rule, a.name, a.client, a.product, a.order, a.channel, a.voucher,
		a.origPrice, a.priceAfter, a.origTotal, a.totalAfter, a.saved, a.qty, a.currency, a.at}
}

// AppendDiscountLog implements oms.DiscountLogTx. All the rows go in one
// INSERT, which like AppendHistory's is sent with the unit's next
// statement or its COMMIT, so placing an order with a log costs no extra
// round trip; an error in it is returned from there and by Do, and
// nothing of the unit is kept.
func (t *Tx) AppendDiscountLog(ctx context.Context, rows []discount.LogRow) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	t.pending = append(t.pending, stmt{what: "append discount log of order " + rows[0].Order,
		sql: discountLogInsertSQL, args: toLogArrays(rows).args()})
	return nil
}

// discountLogQuery builds the DiscountLog statement: the SQL text depends
// only on which filters are set, every value is a parameter.
func discountLogQuery(f oms.DiscountLogFilter) (string, []any) {
	var w where
	if f.Order != "" {
		w.add("order_id = ?", f.Order)
	}
	if f.Client != "" {
		w.add("client_id = ?", string(f.Client))
	}
	if f.Rule != 0 {
		w.add("rule = ?", int64(f.Rule))
	}
	if f.Channel != 0 {
		w.add("channel_id = ?", int64(f.Channel))
	}
	if f.Voucher != "" {
		// The constant predicate lets the planner use the partial index.
		w.add("voucher = ? AND voucher <> ''", f.Voucher)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To)
	}
	// The limit is in the text, not a parameter, so that a generic plan
	// still sees it (see listQuery).
	return "SELECT " + discountLogColumns + " FROM discount_log" + w.sql() + " ORDER BY seq" + limitSQL(f.Limit), w.args
}

// DiscountLog implements oms.DiscountLogReader: the rows that match f
// (as f.Match selects them), in the order they were written, the first
// f.Limit of them when f.Limit > 0. Each filter is served by an index
// (see TestExplainDiscountLog).
func (s *Store) DiscountLog(ctx context.Context, f oms.DiscountLogFilter) ([]discount.LogRow, error) {
	q, args := discountLogQuery(f)
	var out []discount.LogRow
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r                                 discount.LogRow
				rule, channel                     int64
				client, product                   string
				origPrice, priceAfter             pgtype.Numeric
				origTotal, totalAfter, savedTotal pgtype.Numeric
			)
			if err := rows.Scan(&rule, &r.RuleName, &client, &product, &r.Order, &channel, &r.Voucher,
				&origPrice, &priceAfter, &origTotal, &totalAfter, &savedTotal, &r.Quantity, &r.Currency, &r.At); err != nil {
				return err
			}
			r.Rule, r.Channel = discount.RuleID(rule), discount.ChannelID(channel)
			r.Client, r.Product, r.At = discount.ClientID(client), discount.ProductID(product), r.At.UTC()
			amounts := [...]struct {
				dst *decimal.Decimal
				src *pgtype.Numeric
			}{{&r.OriginalPrice, &origPrice}, {&r.PriceAfter, &priceAfter}, {&r.OriginalTotal, &origTotal},
				{&r.TotalAfter, &totalAfter}, {&r.Saved, &savedTotal}}
			for _, a := range amounts {
				if *a.dst, err = dec(*a.src); err != nil {
					return fmt.Errorf("discount log row of order %s: %w", r.Order, err)
				}
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: discount log: %w", err)
	}
	return out, nil
}
