package pgstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// num converts a decimal to PostgreSQL numeric exactly: the coefficient
// and exponent travel in binary, so 10.50 stays 10.50 (no float, no text).
func num(d decimal.Decimal) pgtype.Numeric {
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}

// dec converts numeric back; NaN and infinities are not money.
func dec(n pgtype.Numeric) (decimal.Decimal, error) {
	switch {
	case !n.Valid:
		return decimal.Decimal{}, errors.New("pgstore: NULL amount")
	case n.NaN || n.InfinityModifier != pgtype.Finite:
		return decimal.Decimal{}, errors.New("pgstore: amount is not a finite number")
	case n.Int == nil:
		return decimal.New(0, n.Exp), nil
	}
	return decimal.NewFromBigInt(n.Int, n.Exp), nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// orderColumnsSQL and linesLateral make up orderSelect: an order with its
// lines aggregated into arrays, so a read is one query and one round trip
// whatever the number of lines.
const orderColumnsSQL = orderColumnList + "\nFROM "

const orderColumnList = `SELECT o.id, o.number, o.channel_type, o.channel_id, o.store, o.external_id, o.order_type,
	o.client_id, o.client_groups, o.client_email, o.currency,
	o.subtotal, o.discount, o.tax, o.delivery_fee, o.total,
	o.payment_method, o.billing, o.shipping, o.seller, o.notes,
	o.status, o.held_from, o.approval_required, o.approval, o.approval_rule, o.reject_reason,
	o.ship_courier, o.ship_awb, o.ship_url, o.paid, o.refunded,
	o.created_at, o.updated_at, o.delivered_at, o.version,
	l.product_id, l.sku, l.name, l.product_group, l.quantity, l.unit_price, l.discount, l.tax_rate,
	l.shipped, l.delivered, l.returned`

const linesLateral = `
CROSS JOIN LATERAL (SELECT array_agg(product_id ORDER BY pos) AS product_id, array_agg(sku ORDER BY pos) AS sku,
	array_agg(name ORDER BY pos) AS name, array_agg(product_group ORDER BY pos) AS product_group,
	array_agg(quantity ORDER BY pos) AS quantity, array_agg(unit_price ORDER BY pos) AS unit_price,
	array_agg(discount ORDER BY pos) AS discount, array_agg(tax_rate ORDER BY pos) AS tax_rate,
	array_agg(shipped ORDER BY pos) AS shipped, array_agg(delivered ORDER BY pos) AS delivered,
	array_agg(returned ORDER BY pos) AS returned
	FROM order_lines WHERE order_id = o.id) l`

// orderSelect reads orders by a WHERE clause appended to it.
const orderSelect = orderColumnsSQL + "orders o" + linesLateral

// txOrderSelect is orderSelect for the reads of a unit of work: each row
// found also draws an outbox id (the last column), for the event of the
// change that usually follows (see Tx.AppendEvent).
const txOrderSelect = orderColumnList + ",\n\tnextval('outbox_id_seq')\nFROM orders o" + linesLateral

// orderRow holds the scan targets of one orderSelect row; one allocation
// instead of one per column.
type orderRow struct {
	o                                   oms.Order
	chType                              string
	status, heldFrom, approval          int16
	subtotal, discount, tax, fee, total pgtype.Numeric
	paid, refunded                      pgtype.Numeric
	deliveredAt                         *time.Time
	ev                                  int64 // txOrderSelect's outbox id
	pid, sku, name, group               []string
	qty, shipped, delivered, returned   []int64
	unitPrice, lineDiscount, taxRate    []pgtype.Numeric
}

func (r *orderRow) targets() []any {
	o := &r.o
	return []any{&o.ID, &o.Number, &r.chType, &o.Channel.ID, &o.Store, &o.ExternalID, &o.Type,
		&o.Client.ID, &o.Client.Groups, &o.Client.Email, &o.Currency,
		&r.subtotal, &r.discount, &r.tax, &r.fee, &r.total,
		&o.PaymentMethod, &o.Billing, &o.ShippingTo, &o.Seller, &o.Notes,
		&r.status, &r.heldFrom, &o.ApprovalRequired, &r.approval, &o.ApprovalRule, &o.RejectReason,
		&o.Shipment.Courier, &o.Shipment.AWB, &o.Shipment.URL, &r.paid, &r.refunded,
		&o.CreatedAt, &o.UpdatedAt, &r.deliveredAt, &o.Version,
		&r.pid, &r.sku, &r.name, &r.group, &r.qty, &r.unitPrice, &r.lineDiscount, &r.taxRate,
		&r.shipped, &r.delivered, &r.returned, &r.ev}
}

// orderPlans are the scan plans of orderSelect's columns on one
// connection, kept in its CustomData: pgx plans every column of every
// Rows anew (47 plans per read), while the columns and targets of
// orderSelect never change. Plans depend on the connection's type map,
// hence one set per connection; a connection is used by one goroutine at
// a time, so the set needs no lock.
type orderPlans struct {
	oids    []uint32
	formats []int16
	plans   []pgtype.ScanPlan
}

// The CustomData keys of the plans of orderSelect and of txOrderSelect.
const (
	orderPlansKey   = "pgstore.orderPlans"
	txOrderPlansKey = "pgstore.txOrderPlans"
)

func (p *orderPlans) fits(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(p.oids) {
		return false
	}
	for i, fd := range fds {
		if fd.DataTypeOID != p.oids[i] || fd.Format != p.formats[i] {
			return false
		}
	}
	return true
}

// plansFor returns the connection's plans (kept under key) for rows,
// planning them for dst the first time (or when the columns differ from
// the cached ones).
func plansFor(rows pgx.Rows, dst []any, key string) []pgtype.ScanPlan {
	fds := rows.FieldDescriptions()
	c := rows.Conn()
	cd := c.PgConn().CustomData()
	if p, ok := cd[key].(*orderPlans); ok && p.fits(fds) {
		return p.plans
	}
	p := &orderPlans{oids: make([]uint32, len(fds)), formats: make([]int16, len(fds)), plans: make([]pgtype.ScanPlan, len(fds))}
	m := c.TypeMap()
	for i, fd := range fds {
		p.oids[i], p.formats[i] = fd.DataTypeOID, fd.Format
		if i < len(dst) {
			p.plans[i] = m.PlanScan(fd.DataTypeOID, fd.Format, dst[i])
		}
	}
	cd[key] = p
	return p.plans
}

// scanOne reads the only row of an orderSelect query, if there is one.
func scanOne(rows pgx.Rows, err error) (oms.Order, bool, error) { return scanOneWith(rows, err, nil) }

// scanOneWith is scanOne, or with ev set the same for a txOrderSelect
// query, whose outbox id goes to *ev.
func scanOneWith(rows pgx.Rows, err error, ev *int64) (o oms.Order, found bool, _ error) {
	if err != nil {
		return oms.Order{}, false, err
	}
	defer rows.Close()
	if rows.Next() {
		if o, err = scanRow(rows, ev); err != nil {
			return oms.Order{}, false, err
		}
		found = true
	}
	rows.Close()
	return o, found, rows.Err()
}

// scanOrder reads the current row of an orderSelect query.
func scanOrder(rows pgx.Rows) (oms.Order, error) { return scanRow(rows, nil) }

// scanRow reads the current row of an orderSelect query, or with ev set
// of a txOrderSelect query.
func scanRow(rows pgx.Rows, ev *int64) (oms.Order, error) {
	r := &orderRow{}
	dst, key := r.targets(), txOrderPlansKey
	if ev == nil {
		dst, key = dst[:len(dst)-1], orderPlansKey
	}
	raw := rows.RawValues()
	if len(raw) != len(dst) {
		return oms.Order{}, fmt.Errorf("pgstore: order row has %d columns, want %d", len(raw), len(dst))
	}
	plans := plansFor(rows, dst, key)
	for i, v := range raw {
		if err := plans[i].Scan(v, dst[i]); err != nil {
			return oms.Order{}, pgx.ScanArgError{ColumnIndex: i, FieldName: rows.FieldDescriptions()[i].Name, Err: err}
		}
	}
	if ev != nil {
		*ev = r.ev
	}
	o := &r.o
	o.Channel.Type = oms.ChannelType(r.chType)
	o.Status, o.HeldFrom, o.Approval = oms.Status(r.status), oms.Status(r.heldFrom), oms.Approval(r.approval)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if r.deliveredAt != nil {
		o.DeliveredAt = r.deliveredAt.UTC()
	}
	if len(o.Client.Groups) == 0 {
		o.Client.Groups = nil
	}
	amounts := [...]struct {
		dst *decimal.Decimal
		src *pgtype.Numeric
	}{{&o.Totals.Subtotal, &r.subtotal}, {&o.Totals.Discount, &r.discount}, {&o.Totals.Tax, &r.tax},
		{&o.Totals.DeliveryFee, &r.fee}, {&o.Totals.Total, &r.total}, {&o.Paid, &r.paid}, {&o.Refunded, &r.refunded}}
	var err error
	for _, a := range amounts {
		if *a.dst, err = dec(*a.src); err != nil {
			return oms.Order{}, fmt.Errorf("pgstore: order %s: %w", o.ID, err)
		}
	}
	n := len(r.pid)
	if len(r.sku) != n || len(r.name) != n || len(r.group) != n || len(r.qty) != n || len(r.unitPrice) != n ||
		len(r.lineDiscount) != n || len(r.taxRate) != n || len(r.shipped) != n || len(r.delivered) != n || len(r.returned) != n {
		return oms.Order{}, fmt.Errorf("pgstore: order %s: line arrays of different lengths", o.ID)
	}
	if n > 0 {
		o.Lines = make([]oms.Line, n)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.ProductID, l.SKU, l.Name, l.ProductGroup = r.pid[i], r.sku[i], r.name[i], r.group[i]
		l.Quantity, l.Shipped, l.Delivered, l.Returned = r.qty[i], r.shipped[i], r.delivered[i], r.returned[i]
		if l.UnitPrice, err = dec(r.unitPrice[i]); err == nil {
			if l.Discount, err = dec(r.lineDiscount[i]); err == nil {
				l.TaxRate, err = dec(r.taxRate[i])
			}
		}
		if err != nil {
			return oms.Order{}, fmt.Errorf("pgstore: order %s line %d: %w", o.ID, i, err)
		}
	}
	return *o, nil
}

// lineArrays are an order's lines column by column, for unnest.
type lineArrays struct {
	pos                               []int32
	pid, sku, name, group             []string
	qty, shipped, delivered, returned []int64
	unitPrice, discount, taxRate      []pgtype.Numeric
}

func toArrays(lines []oms.Line) lineArrays {
	n := len(lines)
	a := lineArrays{pos: make([]int32, n), pid: make([]string, n), sku: make([]string, n), name: make([]string, n),
		group: make([]string, n), qty: make([]int64, n), shipped: make([]int64, n), delivered: make([]int64, n),
		returned: make([]int64, n), unitPrice: make([]pgtype.Numeric, n), discount: make([]pgtype.Numeric, n),
		taxRate: make([]pgtype.Numeric, n)}
	for i, l := range lines {
		a.pos[i] = int32(i)
		a.pid[i], a.sku[i], a.name[i], a.group[i] = l.ProductID, l.SKU, l.Name, l.ProductGroup
		a.qty[i], a.shipped[i], a.delivered[i], a.returned[i] = l.Quantity, l.Shipped, l.Delivered, l.Returned
		a.unitPrice[i], a.discount[i], a.taxRate[i] = num(l.UnitPrice), num(l.Discount), num(l.TaxRate)
	}
	return a
}

func (a lineArrays) args() []any {
	return []any{a.pos, a.pid, a.sku, a.name, a.group, a.qty, a.unitPrice, a.discount, a.taxRate,
		a.shipped, a.delivered, a.returned}
}

// linesEqual compares lines by value (amounts with Equal).
func linesEqual(a, b []oms.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ProductID != y.ProductID || x.SKU != y.SKU || x.Name != y.Name || x.ProductGroup != y.ProductGroup ||
			x.Quantity != y.Quantity || x.Shipped != y.Shipped || x.Delivered != y.Delivered || x.Returned != y.Returned ||
			!x.UnitPrice.Equal(y.UnitPrice) || !x.Discount.Equal(y.Discount) || !x.TaxRate.Equal(y.TaxRate) {
			return false
		}
	}
	return true
}

// mapErr turns PostgreSQL errors into oms kinds, keeping the original in
// the chain (errors.As with a *pgconn.PgError still finds it): unique
// violations are ErrDuplicate, a foreign key to a missing order is
// ErrNotFound, and a serialization failure or a deadlock (the server
// rolled the transaction back because of a concurrent one) is
// ErrConflict, which callers retry as they retry a stale version. The
// refusals of a deferred order update (orders_update_refused, migration
// 0006) are ErrConflict for a stale version, ErrNotFound for a missing
// order and a *oms.ValidationError for a changed fixed column.
func mapErr(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%w (%w)", oms.ErrDuplicate, err)
	case "23503", codeUpdateNotFound: // foreign_key_violation
		return fmt.Errorf("%w (%w)", oms.ErrNotFound, err)
	case "40001", "40P01", codeUpdateStale: // serialization_failure, deadlock_detected
		return fmt.Errorf("%w (%w)", oms.ErrConflict, err)
	case codeUpdateFixed:
		return fmt.Errorf("%w (%w)", errFixedColumns(), err)
	}
	return err
}

// The SQLSTATEs raised by orders_update_refused.
const (
	codeUpdateStale    = "OMV01"
	codeUpdateNotFound = "OMV02"
	codeUpdateFixed    = "OMV03"
)

// errFixedColumns is the refusal of an update that changes what never
// changes after insert.
func errFixedColumns() error {
	return &oms.ValidationError{Field: "external key", Reason: "channel, store, external id and creation time are fixed"}
}
