package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// Tx is the unit of work of a Store: one PostgreSQL transaction on one
// connection. It is valid only inside the function given to Do and, like
// the connection under it, is not safe for concurrent use.
type Tx struct {
	c     *pgx.Conn
	begun bool
	done  bool
	// pending writes return nothing the caller needs: they are sent
	// together with the next statement or the COMMIT.
	pending []stmt
	// failed is the first database error: PostgreSQL aborts the
	// transaction on it, so every later call returns it.
	failed error
	// seen remembers each order as this unit last read or wrote it, so
	// Update writes only the columns (and lines) that changed.
	seen map[string]seenOrder
	// spareIDs are outbox ids drawn ahead, in increasing order, by an
	// Insert (nextval in its RETURNING clause) or a read of an order
	// (nextval in its SELECT), so the event that usually follows needs no
	// round trip of its own.
	spareIDs []int64
}

// seenOrder is an order as the unit last read or wrote it, and the least
// outbox id an event of that order may take from spareIDs. The outbox ids
// of one order must follow the order of its changes (a status push skips
// an event older than one already pushed): an id drawn when the unit read
// the version it updates from was drawn after the change that made that
// version committed, so it is greater than that change's ids. An id drawn
// before the read, or for an order updated from a version the unit did
// not read (floor math.MaxInt64), is not: its event then draws a fresh id
// after the UPDATE.
type seenOrder struct {
	o     oms.Order
	floor int64
}

var _ oms.Tx = (*Tx)(nil)

// stmt is one statement of a round trip; read consumes its result (nil:
// an Exec whose result is ignored).
type stmt struct {
	what string
	sql  string
	args []any
	read func(br pgx.BatchResults) error
}

var errTxDone = errors.New("pgstore: Tx used after its unit of work ended")

// roundTrip sends BEGIN (first time), the pending writes and steps as one
// pipelined batch and reads the results in order. The first error (a
// pending Update refused inside SQL, a foreign key) aborts the
// transaction, and the server skips the rest of the batch.
func (t *Tx) roundTrip(ctx context.Context, steps ...stmt) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	all := make([]stmt, 0, len(t.pending)+len(steps)+1)
	if !t.begun {
		all = append(all, stmt{what: "begin", sql: "BEGIN"})
		t.begun = true
	}
	all = append(all, t.pending...)
	all = append(all, steps...)
	t.pending = t.pending[:0]
	b := &pgx.Batch{}
	for _, s := range all {
		b.Queue(s.sql, s.args...)
	}
	br := t.c.SendBatch(ctx, b)
	var err error
	for _, s := range all {
		if s.read != nil {
			err = s.read(br)
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			err = fmt.Errorf("pgstore: %s: %w", s.what, mapErr(err))
			break
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("pgstore: %w", mapErr(cerr))
	}
	if err != nil {
		t.failed = withCtx(ctx, err)
		return t.failed
	}
	return nil
}

// commit sends the pending writes and COMMIT in one round trip.
func (t *Tx) commit(ctx context.Context) error {
	if !t.begun && len(t.pending) == 0 {
		t.done = true
		return nil // nothing was read or written
	}
	err := t.roundTrip(ctx, stmt{what: "commit", sql: "COMMIT", read: func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = errors.New("transaction was rolled back")
		}
		return err
	}})
	t.done = true
	return err
}

// rollback ends the transaction whatever happened; a connection that
// cannot roll back is closed; either way pgxpool discards a connection
// released closed or still inside a transaction.
func (t *Tx) rollback() {
	t.done = true
	t.pending = nil
	if !t.begun || t.c.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := t.c.Exec(ctx, "ROLLBACK"); err != nil {
		_ = t.c.Close(ctx)
	}
}

func (t *Tx) remember(o *oms.Order, floor int64) {
	if t.seen == nil {
		t.seen = map[string]seenOrder{}
	}
	t.seen[o.ID] = seenOrder{o: o.Clone(), floor: floor}
}

// getOne reads an order with txOrderSelect and keeps the outbox id drawn
// with it.
func (t *Tx) getOne(ctx context.Context, q string, args []any) (oms.Order, bool, error) {
	var (
		o     oms.Order
		ev    int64
		found bool
	)
	err := t.roundTrip(ctx, stmt{what: "read order", sql: q, args: args, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		o, found, err = scanOneWith(rows, err, &ev)
		return err
	}})
	if err != nil || !found {
		return oms.Order{}, false, err
	}
	t.spareIDs = append(t.spareIDs, ev)
	t.remember(&o, ev)
	return o, true, nil
}

// Get implements oms.Tx. It sees this unit's own writes.
func (t *Tx) Get(ctx context.Context, id string) (oms.Order, error) {
	o, found, err := t.getOne(ctx, txOrderSelect+" WHERE o.id = $1", []any{id})
	if err == nil && !found {
		err = notFound(id)
	}
	return o, err
}

// GetByExternal implements oms.Tx.
func (t *Tx) GetByExternal(ctx context.Context, k oms.ExternalKey) (oms.Order, error) {
	o, found, err := t.getOne(ctx, txOrderSelect+byExternal, []any{string(k.Channel.Type), k.Channel.ID, k.Store, k.ExternalID})
	if err == nil && !found {
		err = externalNotFound(k)
	}
	return o, err
}

// orderColumns are the columns of orders written from an oms.Order, in
// the order of orderValues; version is managed by the store.
var orderColumns = []string{"id", "number", "channel_type", "channel_id", "store", "external_id", "order_type",
	"client_id", "client_groups", "client_email", "currency",
	"subtotal", "discount", "tax", "delivery_fee", "total",
	"payment_method", "billing", "shipping", "seller", "notes",
	"status", "held_from", "approval_required", "approval", "approval_rule", "reject_reason",
	"ship_courier", "ship_awb", "ship_url", "paid", "refunded",
	"created_at", "updated_at", "delivered_at"}

// fixedColumns never change after insert: the key and the list position.
var fixedColumns = map[string]bool{"id": true, "channel_type": true, "channel_id": true, "store": true,
	"external_id": true, "created_at": true}

// columnValue returns the parameter for orderColumns[i].
func columnValue(o *oms.Order, i int) any {
	switch i {
	case 0:
		return o.ID
	case 1:
		return o.Number
	case 2:
		return string(o.Channel.Type)
	case 3:
		return o.Channel.ID
	case 4:
		return o.Store
	case 5:
		return o.ExternalID
	case 6:
		return o.Type
	case 7:
		return o.Client.ID
	case 8:
		if o.Client.Groups == nil {
			return []string{}
		}
		return o.Client.Groups
	case 9:
		return o.Client.Email
	case 10:
		return o.Currency
	case 11:
		return num(o.Totals.Subtotal)
	case 12:
		return num(o.Totals.Discount)
	case 13:
		return num(o.Totals.Tax)
	case 14:
		return num(o.Totals.DeliveryFee)
	case 15:
		return num(o.Totals.Total)
	case 16:
		return o.PaymentMethod
	case 17:
		return o.Billing
	case 18:
		return o.ShippingTo
	case 19:
		return o.Seller
	case 20:
		return o.Notes
	case 21:
		return int16(o.Status)
	case 22:
		return int16(o.HeldFrom)
	case 23:
		return o.ApprovalRequired
	case 24:
		return int16(o.Approval)
	case 25:
		return o.ApprovalRule
	case 26:
		return o.RejectReason
	case 27:
		return o.Shipment.Courier
	case 28:
		return o.Shipment.AWB
	case 29:
		return o.Shipment.URL
	case 30:
		return num(o.Paid)
	case 31:
		return num(o.Refunded)
	case 32:
		return o.CreatedAt
	case 33:
		return o.UpdatedAt
	case 34:
		return nullTime(o.DeliveredAt)
	}
	panic("pgstore: column index out of range")
}

func orderValues(o *oms.Order) []any {
	out := make([]any, len(orderColumns), len(orderColumns)+1)
	for i := range orderColumns {
		out[i] = columnValue(o, i)
	}
	return out
}

// sameMoney is equality that also keeps the stored scale, the digits after
// the point (1.50 vs 1.5; 310 and 31e1 are alike).
func sameMoney(a, b decimal.Decimal) bool {
	return a.Equal(b) && max(0, -a.Exponent()) == max(0, -b.Exponent())
}

// diffColumns returns the bit set of orderColumns that differ between a and
// b, and whether a fixed column differs.
func diffColumns(a, b *oms.Order) (changed uint64, fixed bool) {
	fixed = a.ID != b.ID || a.Channel != b.Channel || a.Store != b.Store || a.ExternalID != b.ExternalID ||
		!a.CreatedAt.Equal(b.CreatedAt)
	diffs := [...]bool{
		1:  a.Number != b.Number,
		6:  a.Type != b.Type,
		7:  a.Client.ID != b.Client.ID,
		8:  !slices.Equal(a.Client.Groups, b.Client.Groups),
		9:  a.Client.Email != b.Client.Email,
		10: a.Currency != b.Currency,
		11: !sameMoney(a.Totals.Subtotal, b.Totals.Subtotal),
		12: !sameMoney(a.Totals.Discount, b.Totals.Discount),
		13: !sameMoney(a.Totals.Tax, b.Totals.Tax),
		14: !sameMoney(a.Totals.DeliveryFee, b.Totals.DeliveryFee),
		15: !sameMoney(a.Totals.Total, b.Totals.Total),
		16: a.PaymentMethod != b.PaymentMethod,
		17: a.Billing != b.Billing,
		18: a.ShippingTo != b.ShippingTo,
		19: a.Seller != b.Seller,
		20: a.Notes != b.Notes,
		21: a.Status != b.Status,
		22: a.HeldFrom != b.HeldFrom,
		23: a.ApprovalRequired != b.ApprovalRequired,
		24: a.Approval != b.Approval,
		25: a.ApprovalRule != b.ApprovalRule,
		26: a.RejectReason != b.RejectReason,
		27: a.Shipment.Courier != b.Shipment.Courier,
		28: a.Shipment.AWB != b.Shipment.AWB,
		29: a.Shipment.URL != b.Shipment.URL,
		30: !sameMoney(a.Paid, b.Paid),
		31: !sameMoney(a.Refunded, b.Refunded),
		33: !a.UpdatedAt.Equal(b.UpdatedAt),
		34: !a.DeliveredAt.Equal(b.DeliveredAt),
	}
	for i, d := range diffs {
		if d {
			changed |= 1 << i
		}
	}
	return changed, fixed
}

const lineColumns = "pos, product_id, sku, name, product_group, quantity, unit_price, discount, tax_rate, shipped, delivered, returned"

// unnestLines returns unnest($n, …) over the 12 line arrays from $first.
func unnestLines(first int) string {
	types := []string{"int", "text", "text", "text", "text", "bigint", "numeric", "numeric", "numeric", "bigint", "bigint", "bigint"}
	parts := make([]string, len(types))
	for i, ty := range types {
		parts[i] = "$" + strconv.Itoa(first+i) + "::" + ty + "[]"
	}
	return "unnest(" + strings.Join(parts, ", ") + ")"
}

// An Insert is sent at once (the caller learns at the call whether the id
// or external key was free): it returns one row per order written (0 or
// 1) and, when asked, an outbox id drawn with nextval in its RETURNING
// clause as that row's only column, so the event that usually follows
// needs no round trip of its own.
//
// An Update is deferred like AppendHistory: it travels with the unit's
// next statement or its COMMIT, so a refusal must stop the rest of that
// round trip inside SQL. Its UPDATE … RETURNING id sits in a WITH whose
// final SELECT returns true when the row was written and otherwise calls
// orders_update_refused (migration 0006), which raises why (stale
// version, missing order, changed fixed column); the error aborts the
// transaction and the server skips the rest of the batch, COMMIT
// included. The function is called only on a refusal.
//
// Data-modifying WITH parts run to completion whether or not the final
// SELECT reads them.

// insertSQL writes the order and all its lines in one statement; ON
// CONFLICT DO NOTHING turns a taken id or external key into zero rows
// (not an error), so the unit of work stays usable and a racing duplicate
// import is a no-op. Indexed by whether an event id is drawn.
var insertSQL = func() (out [2]string) {
	ph := make([]string, len(orderColumns))
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	n := len(orderColumns)
	for i, id := range []bool{false, true} {
		ret, sel := " RETURNING id", "SELECT id FROM u"
		if id {
			ret, sel = " RETURNING id, nextval('outbox_id_seq') AS ev", "SELECT ev FROM u"
		}
		out[i] = "WITH u AS (INSERT INTO orders (" + strings.Join(orderColumns, ", ") + ", version)\n\tVALUES (" +
			strings.Join(ph, ", ") + ", 1)\n\tON CONFLICT DO NOTHING" + ret + "),\n" +
			"l AS (INSERT INTO order_lines (order_id, " + lineColumns + ")\n\tSELECT u.id, x.* FROM u CROSS JOIN " +
			unnestLines(n+1) + " AS x)\n" + sel
	}
	return out
}()

// wrapUpdate makes an UPDATE of order $1 refuse inside SQL when it writes
// no row: orders_update_refused compares the stored version with
// $versionParam (fixed: the UPDATE also compared the fixed columns). With
// lines it rewrites the order's lines in the same statement, only if that
// UPDATE matched: rows past the new count are deleted, the others
// upserted; $posParam is the new count, the 12 line arrays follow it.
func wrapUpdate(upd string, versionParam int, fixed, lines bool, posParam int) string {
	check := "SELECT CASE WHEN EXISTS (SELECT FROM u) THEN true ELSE orders_update_refused($1, $" +
		strconv.Itoa(versionParam) + ", " + strconv.FormatBool(fixed) + ") END"
	if !lines {
		return "WITH u AS (" + upd + " RETURNING id)\n" + check
	}
	var excluded []string
	for _, c := range strings.Split(lineColumns, ", ")[1:] {
		excluded = append(excluded, c+" = excluded."+c)
	}
	return "WITH u AS (" + upd + " RETURNING id),\nd AS (DELETE FROM order_lines WHERE order_id IN (SELECT id FROM u) AND pos >= $" +
		strconv.Itoa(posParam) + "),\n" +
		"l AS (INSERT INTO order_lines (order_id, " + lineColumns + ")\n\tSELECT u.id, x.* FROM u CROSS JOIN " +
		unnestLines(posParam+1) + " AS x\n\tON CONFLICT (order_id, pos) DO UPDATE SET " + strings.Join(excluded, ", ") + ")\n" + check
}

// fullUpdateSQL writes every column and the lines, for an order this unit
// has not read (at that version): the version check and the fixed
// columns are in the WHERE clause.
var fullUpdateSQL = func() string {
	var set, where []string
	for i, c := range orderColumns {
		p := "$" + strconv.Itoa(i+1)
		if fixedColumns[c] {
			where = append(where, c+" = "+p)
		} else {
			set = append(set, c+" = "+p)
		}
	}
	n := len(orderColumns)
	upd := "UPDATE orders SET " + strings.Join(set, ", ") + ", version = version + 1\nWHERE " +
		strings.Join(where, " AND ") + " AND version = $" + strconv.Itoa(n+1)
	return wrapUpdate(upd, n+1, true, true, n+2)
}()

// partialKey names one shape of partial update.
type partialKey struct {
	changed uint64
	lines   bool
}

// partialSQL caches the UPDATE text per shape; pgx then prepares each
// shape once per connection.
var partialSQL sync.Map // partialKey → string

// partialUpdateSQL writes only the changed columns: $1 id, $2 version, then
// the changed columns in orderColumns order, then the lines if asked.
func partialUpdateSQL(k partialKey) string {
	if q, ok := partialSQL.Load(k); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString("UPDATE orders SET ")
	p := 2
	for i, c := range orderColumns {
		if k.changed&(1<<i) != 0 {
			p++
			b.WriteString(c + " = $" + strconv.Itoa(p) + ", ")
		}
	}
	b.WriteString("version = version + 1 WHERE id = $1 AND version = $2")
	q := wrapUpdate(b.String(), 2, false, k.lines, p+1)
	partialSQL.Store(k, q)
	return q
}

// checkCodes refuses codes the schema would refuse, before they reach the
// database (where the error would abort the whole unit).
func checkCodes(o *oms.Order) error {
	switch {
	case !o.Status.Valid():
		return &oms.ValidationError{Field: "status", Reason: o.Status.String() + " is not a status code", Kind: oms.ErrUnknownStatus}
	case !o.HeldFrom.Valid():
		return &oms.ValidationError{Field: "held_from", Reason: o.HeldFrom.String() + " is not a status code", Kind: oms.ErrUnknownStatus}
	case !o.Approval.Valid():
		return &oms.ValidationError{Field: "approval", Reason: o.Approval.String() + " is not an approval code"}
	}
	return nil
}

// Insert implements oms.Tx: the order and its lines in one statement,
// sent at once. When the unit holds no spare outbox id, the statement
// draws one for the event that usually follows.
func (t *Tx) Insert(ctx context.Context, o *oms.Order) error {
	if o.ID == "" {
		return &oms.ValidationError{Field: "id", Reason: "empty"}
	}
	if err := checkCodes(o); err != nil {
		return err
	}
	args := append(orderValues(o), toArrays(o.Lines).args()...)
	id := len(t.spareIDs) == 0
	var n int64
	err := t.roundTrip(ctx, stmt{what: "insert order " + o.ID, sql: insertSQL[b2i(id)], args: args, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if id {
				var ev int64
				if err := rows.Scan(&ev); err != nil {
					return err
				}
				t.spareIDs = append(t.spareIDs, ev)
			}
		}
		rows.Close()
		n = rows.CommandTag().RowsAffected()
		return rows.Err()
	}})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: insert order %s: id or (channel %s/%d, store %q, external id %q) already used: %w",
			o.ID, o.Channel.Type, o.Channel.ID, o.Store, o.ExternalID, oms.ErrDuplicate)
	}
	o.Version = 1
	// No change of a row this unit inserted precedes the unit's own.
	t.remember(o, 0)
	return nil
}

// Update implements oms.Tx. The version check is in the UPDATE's WHERE
// clause, so it holds against other processes. The UPDATE is deferred:
// it is sent with the unit's next statement or its COMMIT, and a refusal
// (an error wrapping oms.ErrConflict for a stale version, oms.ErrNotFound
// for a missing order, or a *oms.ValidationError for a changed channel,
// store, external id or creation time; the *pgconn.PgError stays in the
// chain) is returned by that call and by Do, and nothing of the unit is
// kept. o.Version is advanced at once.
//
// For an order this unit read (at o.Version), only the columns that
// changed are sent, lines are rewritten (in the same statement) only when
// they changed, and a changed fixed column is refused at once, with no
// statement sent.
func (t *Tx) Update(ctx context.Context, o *oms.Order) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	if err := checkCodes(o); err != nil {
		return err
	}
	// The snapshot describes the stored row only if it has the version
	// the caller updates from.
	snap, known := t.seen[o.ID]
	known = known && snap.o.Version == o.Version
	var (
		q     string
		args  []any
		lines = true
		floor = int64(math.MaxInt64)
	)
	if !known {
		// Write everything and let the WHERE clause refuse what must be
		// refused.
		q, args = fullUpdateSQL, append(orderValues(o), o.Version)
	} else {
		changed, fixed := diffColumns(o, &snap.o)
		if fixed {
			return fmt.Errorf("pgstore: update order %s: %w", o.ID, errFixedColumns())
		}
		lines, floor = !linesEqual(snap.o.Lines, o.Lines), snap.floor
		q = partialUpdateSQL(partialKey{changed: changed, lines: lines})
		args = make([]any, 0, 2+bits.OnesCount64(changed)+13)
		args = append(args, o.ID, o.Version)
		for i := range orderColumns {
			if changed&(1<<i) != 0 {
				args = append(args, columnValue(o, i))
			}
		}
	}
	if lines {
		args = append(append(args, int32(len(o.Lines))), toArrays(o.Lines).args()...)
	}
	t.pending = append(t.pending, stmt{what: "update order " + o.ID, sql: q, args: args})
	o.Version++
	t.remember(o, floor)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const historySQL = `INSERT INTO order_history (order_id, at, actor, from_status, to_status, event, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// AppendHistory implements oms.Tx. The insert is sent with the unit's next
// statement or its COMMIT; an error in it (an unknown order: ErrNotFound)
// is returned from there and by Do.
func (t *Tx) AppendHistory(ctx context.Context, e oms.HistoryEntry) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	t.pending = append(t.pending, stmt{what: "append history of " + e.OrderID, sql: historySQL,
		args: []any{e.OrderID, e.At, e.Actor, int16(e.From), int16(e.To), string(e.Event), e.Reason}})
	return nil
}

const eventSQL = `INSERT INTO outbox (type, order_id, event, from_status, to_status, actor, reason, at, channel_type, channel_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`

const eventWithIDSQL = `INSERT INTO outbox (type, order_id, event, from_status, to_status, actor, reason, at, channel_type, channel_id, id)
OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// AppendEvent implements oms.Tx and sets e.ID at the call. When the unit
// holds a spare outbox id the event may take (see seenOrder), the insert
// is deferred like AppendHistory's; otherwise it is sent at once, after
// the unit's pending writes, to learn its id. Ids increase in the order
// events are appended within a unit.
func (t *Tx) AppendEvent(ctx context.Context, e *oms.Event) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	args := []any{string(e.Type), e.OrderID, string(e.Event), int16(e.From), int16(e.To), e.Actor, e.Reason, e.At,
		string(e.Channel.Type), e.Channel.ID}
	if id, ok := t.spareFor(e.OrderID); ok {
		t.pending = append(t.pending, stmt{what: "append event", sql: eventWithIDSQL, args: append(args, id)})
		e.ID = id
		return nil
	}
	var id int64
	err := t.roundTrip(ctx, stmt{what: "append event", sql: eventSQL, args: args,
		read: func(br pgx.BatchResults) error { return br.QueryRow().Scan(&id) }})
	if err != nil {
		return err
	}
	e.ID = id
	// Drawn after the order's pending UPDATE: later spares are fine too.
	if s, ok := t.seen[e.OrderID]; ok && s.floor > id {
		s.floor = id
		t.seen[e.OrderID] = s
	}
	return nil
}

// spareFor takes the least spare id that an event of the order may have,
// dropping the spares below it so that ids keep increasing within the
// unit; false when none is left.
func (t *Tx) spareFor(orderID string) (int64, bool) {
	floor := int64(0)
	if s, ok := t.seen[orderID]; ok {
		floor = s.floor
	}
	i := 0
	for i < len(t.spareIDs) && t.spareIDs[i] < floor {
		i++
	}
	t.spareIDs = t.spareIDs[i:]
	if len(t.spareIDs) == 0 {
		return 0, false
	}
	id := t.spareIDs[0]
	t.spareIDs = t.spareIDs[1:]
	return id, true
}
