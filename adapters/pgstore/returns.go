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

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

// This file extends Store and Tx with the records of package returns
// (tables from migrations/0002_returns.sql). They are written through the
// unit of work's own connection and transaction, so a return, its refund,
// receipt note, stock movements and loyalty reversal commit or roll back
// together with the order change. Every statement goes through
// Tx.roundTrip, which first sends the unit's deferred writes (history,
// events): a read here sees everything written before it in the unit.
//
// Writes whose row may be refused (a taken return id, a stale version)
// are shaped so that the refusal is zero rows rather than a database
// error, because an error aborts the whole PostgreSQL transaction and the
// caller may go on using the unit after an ErrDuplicate or ErrConflict.

var (
	_ returns.Store = (*Store)(nil)
	_ returns.Tx    = (*Tx)(nil)
)

// DoReturns implements returns.Store: the same unit of work as Do (one
// PostgreSQL transaction), seen through returns.Tx.
func (s *Store) DoReturns(ctx context.Context, fn func(tx returns.Tx) error) error {
	// Do always hands its own *Tx to fn.
	return s.Do(ctx, func(tx oms.Tx) error { return fn(tx.(*Tx)) })
}

// EarnLoyalty records that an order earned points, as the loyalty program
// would; returns reverse them (returns.Loyalty.LoyaltyEarned reads the
// sum). It adds to what the order earned before.
func (s *Store) EarnLoyalty(ctx context.Context, orderID string, points int64) error {
	return s.Do(ctx, func(tx oms.Tx) error {
		return tx.(*Tx).roundTrip(ctx, stmt{what: "earn loyalty on " + orderID,
			sql: `INSERT INTO loyalty_earned (order_id, points) VALUES ($1, $2)
				ON CONFLICT (order_id) DO UPDATE SET points = loyalty_earned.points + excluded.points`,
			args: []any{orderID, points}})
	})
}

func returnsNotFound(kind, id string) error {
	return fmt.Errorf("pgstore: %s %s: %w", kind, id, returns.ErrNotFound)
}

// queryRows runs sql in the unit and calls each for every row.
func (t *Tx) queryRows(ctx context.Context, what, sql string, args []any, each func(rows pgx.Rows) error) error {
	return t.roundTrip(ctx, stmt{what: what, sql: sql, args: args, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}})
}

// scanRow runs a statement that returns at most one row into dst and
// reports whether it returned one.
func (t *Tx) scanRow(ctx context.Context, what, sql string, args []any, dst ...any) (found bool, err error) {
	err = t.queryRows(ctx, what, sql, args, func(rows pgx.Rows) error {
		found = true
		return rows.Scan(dst...)
	})
	return found, err
}

// timeOrZero reads a nullable timestamptz: NULL is the zero time.
func timeOrZero(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

// idFromSeq is the SQL of a generated id, PREFIX-NNNNNN from the sequence
// (more digits when needed), like the identity-derived ids of the other
// tables.
func idFromSeq(prefix, seq string) string {
	return "(SELECT '" + prefix + "' || lpad(n::text, greatest(6, length(n::text)), '0') FROM nextval('" + seq + "') AS n)"
}

const returnColumns = "id, order_id, client_id, return_type, reason, requested_by, via_portal, requested_at, " +
	"approval, decided_by, decided_at, decision_note, currency, value, fee, delivery_fee, refund_due, refunded, " +
	"full_return, receipt_id, loyalty_points"

const itemColumns = "pos, line, product_id, sku, name, vendor, quantity, gross, discount, net, tax, paid"

// returnValues returns the parameters of returnColumns, in order.
func returnValues(r *returns.Return) []any {
	return []any{r.ID, r.OrderID, r.ClientID, string(r.Type), r.Reason, r.RequestedBy, r.ViaPortal, r.RequestedAt,
		int16(r.Approval), r.DecidedBy, nullTime(r.DecidedAt), r.DecisionNote, r.Currency,
		num(r.Value), num(r.Fee), num(r.DeliveryFee), num(r.RefundDue), num(r.Refunded),
		r.Full, r.ReceiptID, r.LoyaltyPoints}
}

// itemArrays returns the items column by column, for unnestItems.
func itemArrays(items []returns.Item) []any {
	n := len(items)
	pos, line := make([]int32, n), make([]int32, n)
	pid, sku, name, vendor := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	qty := make([]int64, n)
	gross, disc, net, tax, paid := make([]pgtype.Numeric, n), make([]pgtype.Numeric, n), make([]pgtype.Numeric, n),
		make([]pgtype.Numeric, n), make([]pgtype.Numeric, n)
	for i, it := range items {
		pos[i], line[i] = int32(i), int32(it.Line)
		pid[i], sku[i], name[i], vendor[i], qty[i] = it.ProductID, it.SKU, it.Name, it.Vendor, it.Quantity
		gross[i], disc[i], net[i], tax[i], paid[i] = num(it.Gross), num(it.Discount), num(it.Net), num(it.Tax), num(it.Paid)
	}
	return []any{pos, line, pid, sku, name, vendor, qty, gross, disc, net, tax, paid}
}

// unnestItems returns unnest($first, …) over the 12 item arrays.
func unnestItems(first int) string {
	types := []string{"int", "int", "text", "text", "text", "text", "bigint", "numeric", "numeric", "numeric", "numeric", "numeric"}
	parts := make([]string, len(types))
	for i, ty := range types {
		parts[i] = "$" + strconv.Itoa(first+i) + "::" + ty + "[]"
	}
	return "unnest(" + strings.Join(parts, ", ") + ")"
}

// insertReturnSQL writes a return and its items in one statement. An id
// already taken is zero rows (ON CONFLICT DO NOTHING), not an error; an
// empty id draws one from returns_id_seq (only then: CASE evaluates the
// branch it takes).
var insertReturnSQL = func() string {
	n := len(strings.Split(returnColumns, ", "))
	ph := make([]string, n)
	ph[0] = "CASE WHEN $1::text <> '' THEN $1::text ELSE " + idFromSeq("RET-", "returns_id_seq") + " END"
	for i := 1; i < n; i++ {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	return "WITH r AS (INSERT INTO returns (" + returnColumns + ", version)\n\tVALUES (" + strings.Join(ph, ", ") +
		", 1)\n\tON CONFLICT (id) DO NOTHING RETURNING id),\n" +
		"i AS (INSERT INTO return_items (return_id, " + itemColumns + ")\n\tSELECT r.id, x.* FROM r CROSS JOIN " +
		unnestItems(n+1) + " AS x)\nSELECT id FROM r"
}()

// updateReturnSQL writes every column of a return if its version matches
// ($1 id, $2 version, then returnColumns after id) and, only then, its
// items: rows past the new count are deleted, the others upserted (a
// DELETE and INSERT of one key in one statement would collide).
var updateReturnSQL = func() string {
	cols := strings.Split(returnColumns, ", ")[1:]
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = $" + strconv.Itoa(i+3)
	}
	count := len(cols) + 3
	var excluded []string
	for _, c := range strings.Split(itemColumns, ", ")[1:] {
		excluded = append(excluded, c+" = excluded."+c)
	}
	return "WITH u AS (UPDATE returns SET " + strings.Join(set, ", ") + ", version = version + 1\n\tWHERE id = $1 AND version = $2 RETURNING id),\n" +
		"d AS (DELETE FROM return_items WHERE return_id IN (SELECT id FROM u) AND pos >= $" + strconv.Itoa(count) + "),\n" +
		"l AS (INSERT INTO return_items (return_id, " + itemColumns + ")\n\tSELECT u.id, x.* FROM u CROSS JOIN " +
		unnestItems(count+1) + " AS x\n\tON CONFLICT (return_id, pos) DO UPDATE SET " + strings.Join(excluded, ", ") + ")\n" +
		"SELECT id FROM u"
}()

// returnSelect reads returns with their items aggregated into arrays (one
// row per return), by a WHERE clause appended to it.
const returnSelect = `SELECT r.id, r.order_id, r.client_id, r.return_type, r.reason, r.requested_by, r.via_portal,
	r.requested_at, r.approval, r.decided_by, r.decided_at, r.decision_note, r.currency,
	r.value, r.fee, r.delivery_fee, r.refund_due, r.refunded, r.full_return, r.receipt_id, r.loyalty_points, r.version,
	i.line, i.product_id, i.sku, i.name, i.vendor, i.quantity, i.gross, i.discount, i.net, i.tax, i.paid
FROM returns r
CROSS JOIN LATERAL (SELECT array_agg(line ORDER BY pos) AS line, array_agg(product_id ORDER BY pos) AS product_id,
	array_agg(sku ORDER BY pos) AS sku, array_agg(name ORDER BY pos) AS name, array_agg(vendor ORDER BY pos) AS vendor,
	array_agg(quantity ORDER BY pos) AS quantity, array_agg(gross ORDER BY pos) AS gross,
	array_agg(discount ORDER BY pos) AS discount, array_agg(net ORDER BY pos) AS net,
	array_agg(tax ORDER BY pos) AS tax, array_agg(paid ORDER BY pos) AS paid
	FROM return_items WHERE return_id = r.id) i`

// scanReturn reads the current row of a returnSelect query.
func scanReturn(rows pgx.Rows) (returns.Return, error) {
	var (
		r                                   returns.Return
		typ                                 string
		approval                            int16
		decidedAt                           *time.Time
		value, fee, delivery, due, refunded pgtype.Numeric
		line                                []int32
		pid, sku, name, vendor              []string
		qty                                 []int64
		gross, disc, net, tax, paid         []pgtype.Numeric
	)
	err := rows.Scan(&r.ID, &r.OrderID, &r.ClientID, &typ, &r.Reason, &r.RequestedBy, &r.ViaPortal,
		&r.RequestedAt, &approval, &r.DecidedBy, &decidedAt, &r.DecisionNote, &r.Currency,
		&value, &fee, &delivery, &due, &refunded, &r.Full, &r.ReceiptID, &r.LoyaltyPoints, &r.Version,
		&line, &pid, &sku, &name, &vendor, &qty, &gross, &disc, &net, &tax, &paid)
	if err != nil {
		return returns.Return{}, err
	}
	r.Type, r.Approval = returns.Type(typ), returns.Approval(approval)
	r.RequestedAt, r.DecidedAt = r.RequestedAt.UTC(), timeOrZero(decidedAt)
	if err := decimals([]pgtype.Numeric{value, fee, delivery, due, refunded},
		&r.Value, &r.Fee, &r.DeliveryFee, &r.RefundDue, &r.Refunded); err != nil {
		return returns.Return{}, fmt.Errorf("pgstore: return %s: %w", r.ID, err)
	}
	n := len(line)
	if len(pid) != n || len(sku) != n || len(name) != n || len(vendor) != n || len(qty) != n ||
		len(gross) != n || len(disc) != n || len(net) != n || len(tax) != n || len(paid) != n {
		return returns.Return{}, fmt.Errorf("pgstore: return %s: item arrays of different lengths", r.ID)
	}
	if n > 0 {
		r.Items = make([]returns.Item, n)
	}
	for i := range r.Items {
		it := &r.Items[i]
		it.Line, it.ProductID, it.SKU, it.Name, it.Vendor, it.Quantity = int(line[i]), pid[i], sku[i], name[i], vendor[i], qty[i]
		if err := decimals([]pgtype.Numeric{gross[i], disc[i], net[i], tax[i], paid[i]},
			&it.Gross, &it.Discount, &it.Net, &it.Tax, &it.Paid); err != nil {
			return returns.Return{}, fmt.Errorf("pgstore: return %s item %d: %w", r.ID, i, err)
		}
	}
	return r, nil
}

// decimals converts numerics to the decimals dst, in order.
func decimals(src []pgtype.Numeric, dst ...*decimal.Decimal) error {
	for i, n := range src {
		d, err := dec(n)
		if err != nil {
			return err
		}
		*dst[i] = d
	}
	return nil
}

// checkApproval refuses a code the schema would refuse, before it reaches
// the database (where the error would abort the whole unit).
func checkApproval(r *returns.Return) error {
	if r.Approval < returns.Pending || r.Approval > returns.Rejected {
		return &returns.ValidationError{Field: "approval", Reason: r.Approval.String() + " is not an approval code"}
	}
	return nil
}

// GetReturn implements returns.Records.
func (t *Tx) GetReturn(ctx context.Context, id string) (returns.Return, error) {
	var (
		r     returns.Return
		found bool
	)
	err := t.queryRows(ctx, "read return "+id, returnSelect+" WHERE r.id = $1", []any{id}, func(rows pgx.Rows) error {
		var err error
		r, err = scanReturn(rows)
		found = true
		return err
	})
	if err == nil && !found {
		err = returnsNotFound("return", id)
	}
	return r, err
}

// InsertReturn implements returns.Records: the return and its items in one
// statement. Generated ids are RET-NNNNNN; a rolled-back unit leaves a gap.
func (t *Tx) InsertReturn(ctx context.Context, r *returns.Return) error {
	if err := checkApproval(r); err != nil {
		return err
	}
	var id string
	found, err := t.scanRow(ctx, "insert return", insertReturnSQL, append(returnValues(r), itemArrays(r.Items)...), &id)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("pgstore: insert return: id %s already used: %w", r.ID, oms.ErrDuplicate)
	}
	r.ID, r.Version = id, 1
	return nil
}

// UpdateReturn implements returns.Records. The version check is part of the
// UPDATE, so it holds against other processes.
func (t *Tx) UpdateReturn(ctx context.Context, r *returns.Return) error {
	if err := checkApproval(r); err != nil {
		return err
	}
	args := append([]any{r.ID, r.Version}, returnValues(r)[1:]...)
	args = append(append(args, int32(len(r.Items))), itemArrays(r.Items)...)
	var id string
	found, err := t.scanRow(ctx, "update return "+r.ID, updateReturnSQL, args, &id)
	if err != nil {
		return err
	}
	if found {
		r.Version++
		return nil
	}
	var version int64
	found, err = t.scanRow(ctx, "check return "+r.ID, "SELECT version FROM returns WHERE id = $1", []any{r.ID}, &version)
	switch {
	case err != nil:
		return err
	case !found:
		return returnsNotFound("return", r.ID)
	}
	return fmt.Errorf("pgstore: return %s at version %d, update from %d: %w", r.ID, version, r.Version, oms.ErrConflict)
}

// returnsQuery builds the list statement: the SQL text depends only on
// which filters are set, every value is a parameter.
func returnsQuery(f returns.Filter) (string, []any) {
	var w where
	if f.OrderID != "" {
		w.add("r.order_id = ?", f.OrderID)
	}
	if f.ClientID != "" {
		w.add("r.client_id = ?", f.ClientID)
	}
	if len(f.Approvals) > 0 {
		codes := make([]int16, len(f.Approvals))
		for i, a := range f.Approvals {
			codes[i] = int16(a)
		}
		w.add("r.approval = ANY(?::smallint[])", codes)
	}
	// A decision bound excludes undecided records (decided_at NULL), as
	// Filter.Match does.
	if !f.DecidedFrom.IsZero() || !f.DecidedTo.IsZero() {
		w.conds = append(w.conds, "r.decided_at IS NOT NULL")
	}
	if !f.DecidedFrom.IsZero() {
		w.add("r.decided_at >= ?", f.DecidedFrom)
	}
	if !f.DecidedTo.IsZero() {
		w.add("r.decided_at < ?", f.DecidedTo)
	}
	return returnSelect + w.sql() + "\nORDER BY r.requested_at, r.id", w.args
}

// Returns implements returns.Records, ordered by (RequestedAt, ID).
func (t *Tx) Returns(ctx context.Context, f returns.Filter) ([]returns.Return, error) {
	q, args := returnsQuery(f)
	var out []returns.Return
	err := t.queryRows(ctx, "list returns", q, args, func(rows pgx.Rows) error {
		r, err := scanReturn(rows)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddRefund implements returns.RefundLedger. Ids are RF-NNNNNN.
func (t *Tx) AddRefund(ctx context.Context, r *returns.Refund) error {
	var id string
	_, err := t.scanRow(ctx, "add refund to order "+r.OrderID,
		`INSERT INTO refunds (order_id, return_id, amount, currency, payment_mode, refunded_on, note, by_actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{r.OrderID, r.ReturnID, num(r.Amount), r.Currency, r.PaymentMode, nullTime(r.RefundedOn), r.Note, r.By}, &id)
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// Refunds implements returns.RefundLedger, in the order they were added.
func (t *Tx) Refunds(ctx context.Context, orderID string) ([]returns.Refund, error) {
	var out []returns.Refund
	err := t.queryRows(ctx, "refunds of order "+orderID,
		`SELECT id, order_id, return_id, amount, currency, payment_mode, refunded_on, note, by_actor
		FROM refunds WHERE order_id = $1 ORDER BY seq`, []any{orderID}, func(rows pgx.Rows) error {
			var (
				r      returns.Refund
				amount pgtype.Numeric
				on     *time.Time
			)
			if err := rows.Scan(&r.ID, &r.OrderID, &r.ReturnID, &amount, &r.Currency, &r.PaymentMode, &on, &r.Note, &r.By); err != nil {
				return err
			}
			var err error
			if r.Amount, err = dec(amount); err != nil {
				return fmt.Errorf("pgstore: refund %s: %w", r.ID, err)
			}
			r.RefundedOn = timeOrZero(on)
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddReceipt implements returns.Inventory: the note and its lines in one
// statement. Ids are RCPT-NNNNNN.
func (t *Tx) AddReceipt(ctx context.Context, r *returns.Receipt) error {
	n := len(r.Lines)
	pos, pid, sku, qty := make([]int32, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, l := range r.Lines {
		pos[i], pid[i], sku[i], qty[i] = int32(i), l.ProductID, l.SKU, l.Quantity
	}
	var id string
	_, err := t.scanRow(ctx, "add receipt for return "+r.ReturnID,
		`WITH r AS (INSERT INTO receipts (return_id, order_id, at) VALUES ($1, $2, $3) RETURNING id),
		l AS (INSERT INTO receipt_lines (receipt_id, pos, product_id, sku, quantity)
			SELECT r.id, x.* FROM r CROSS JOIN unnest($4::int[], $5::text[], $6::text[], $7::bigint[]) AS x)
		SELECT id FROM r`,
		[]any{r.ReturnID, r.OrderID, nullTime(r.At), pos, pid, sku, qty}, &id)
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// GetReceipt implements returns.Inventory.
func (t *Tx) GetReceipt(ctx context.Context, id string) (returns.Receipt, error) {
	var (
		r        returns.Receipt
		at       *time.Time
		pid, sku []string
		qty      []int64
	)
	found, err := t.scanRow(ctx, "read receipt "+id,
		`SELECT r.id, r.return_id, r.order_id, r.at, l.product_id, l.sku, l.quantity
		FROM receipts r CROSS JOIN LATERAL (SELECT array_agg(product_id ORDER BY pos) AS product_id,
			array_agg(sku ORDER BY pos) AS sku, array_agg(quantity ORDER BY pos) AS quantity
			FROM receipt_lines WHERE receipt_id = r.id) l
		WHERE r.id = $1`, []any{id}, &r.ID, &r.ReturnID, &r.OrderID, &at, &pid, &sku, &qty)
	switch {
	case err != nil:
		return returns.Receipt{}, err
	case !found:
		return returns.Receipt{}, returnsNotFound("receipt", id)
	case len(sku) != len(pid) || len(qty) != len(pid):
		return returns.Receipt{}, fmt.Errorf("pgstore: receipt %s: line arrays of different lengths", id)
	}
	r.At = timeOrZero(at)
	for i := range pid {
		r.Lines = append(r.Lines, returns.ReceiptLine{ProductID: pid[i], SKU: sku[i], Quantity: qty[i]})
	}
	return r, nil
}

// Restock implements returns.Inventory: the movement and the level in one
// statement. The level's upsert locks its row, so concurrent restocks of
// a product add up. Ids are STK-NNNNNN.
func (t *Tx) Restock(ctx context.Context, e *returns.StockEntry) error {
	var id string
	_, err := t.scanRow(ctx, "restock "+e.ProductID,
		`WITH e AS (INSERT INTO stock_entries (product_id, quantity, receipt_id, return_id, at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id),
		l AS (INSERT INTO stock_levels (product_id, level) VALUES ($1, $2)
			ON CONFLICT (product_id) DO UPDATE SET level = stock_levels.level + excluded.level)
		SELECT id FROM e`,
		[]any{e.ProductID, e.Quantity, e.ReceiptID, e.ReturnID, nullTime(e.At)}, &id)
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// StockLevel implements returns.Inventory.
func (t *Tx) StockLevel(ctx context.Context, productID string) (int64, error) {
	var n int64
	_, err := t.scanRow(ctx, "stock level of "+productID,
		"SELECT coalesce((SELECT level FROM stock_levels WHERE product_id = $1), 0)", []any{productID}, &n)
	return n, err
}

// stockQuery builds the movements statement: the SQL text depends only on
// which filters are set, every value is a parameter.
func stockQuery(f returns.StockFilter) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ProductID != "" {
		where = append(where, "product_id = "+arg(f.ProductID))
	}
	if f.ReturnID != "" {
		where = append(where, "return_id = "+arg(f.ReturnID))
	}
	if f.ReceiptID != "" {
		where = append(where, "receipt_id = "+arg(f.ReceiptID))
	}
	if f.FromReturns {
		where = append(where, "return_id <> ''")
	}
	// A zero At is NULL: before any From, so excluded by a From bound
	// and kept by a To bound, as StockFilter.Match does.
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "(at IS NULL OR at < "+arg(f.To)+")")
	}
	q := "SELECT id, product_id, quantity, receipt_id, return_id, at FROM stock_entries"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + " ORDER BY seq", args
}

// StockEntries implements returns.Inventory, in the order recorded.
func (t *Tx) StockEntries(ctx context.Context, f returns.StockFilter) ([]returns.StockEntry, error) {
	q, args := stockQuery(f)
	var out []returns.StockEntry
	err := t.queryRows(ctx, "list stock entries", q, args, func(rows pgx.Rows) error {
		var (
			e  returns.StockEntry
			at *time.Time
		)
		if err := rows.Scan(&e.ID, &e.ProductID, &e.Quantity, &e.ReceiptID, &e.ReturnID, &at); err != nil {
			return err
		}
		e.At = timeOrZero(at)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoyaltyEarned implements returns.Loyalty: what Store.EarnLoyalty recorded.
func (t *Tx) LoyaltyEarned(ctx context.Context, orderID string) (int64, error) {
	var n int64
	_, err := t.scanRow(ctx, "loyalty earned on "+orderID,
		"SELECT coalesce((SELECT points FROM loyalty_earned WHERE order_id = $1), 0)", []any{orderID}, &n)
	return n, err
}

// LoyaltyReversals implements returns.Loyalty, in the order recorded.
func (t *Tx) LoyaltyReversals(ctx context.Context, orderID string) ([]returns.LoyaltyReversal, error) {
	var out []returns.LoyaltyReversal
	err := t.queryRows(ctx, "loyalty reversals of "+orderID,
		"SELECT id, order_id, return_id, client_id, points, at FROM loyalty_reversals WHERE order_id = $1 ORDER BY seq",
		[]any{orderID}, func(rows pgx.Rows) error {
			var (
				r  returns.LoyaltyReversal
				at *time.Time
			)
			if err := rows.Scan(&r.ID, &r.OrderID, &r.ReturnID, &r.ClientID, &r.Points, &at); err != nil {
				return err
			}
			r.At = timeOrZero(at)
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddLoyaltyReversal implements returns.Loyalty. Ids are LR-NNNNNN.
func (t *Tx) AddLoyaltyReversal(ctx context.Context, r *returns.LoyaltyReversal) error {
	var id string
	_, err := t.scanRow(ctx, "reverse loyalty on "+r.OrderID,
		`INSERT INTO loyalty_reversals (order_id, return_id, client_id, points, at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		[]any{r.OrderID, r.ReturnID, r.ClientID, r.Points, nullTime(r.At)}, &id)
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}
