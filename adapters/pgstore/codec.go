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
const orderColumnsSQL = `SELECT o.id, o.number, o.channel_type, o.channel_id, o.store, o.external_id, o.order_type,
	o.client_id, o.client_groups, o.client_email, o.currency,
	o.subtotal, o.discount, o.tax, o.delivery_fee, o.total,
	o.payment_method, o.billing, o.shipping, o.seller, o.notes,
	o.status, o.held_from, o.approval_required, o.approval, o.approval_rule, o.reject_reason,
	o.ship_courier, o.ship_awb, o.ship_url, o.paid, o.refunded,
	o.created_at, o.updated_at, o.delivered_at, o.version,
	l.product_id, l.sku, l.name, l.product_group, l.quantity, l.unit_price, l.discount, l.tax_rate,
	l.shipped, l.delivered, l.returned
FROM `

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

// scanOrder reads one row of orderSelect.
func scanOrder(row pgx.Row) (oms.Order, error) {
	var (
		o                                   oms.Order
		chType                              string
		status, heldFrom, approval          int16
		subtotal, discount, tax, fee, total pgtype.Numeric
		paid, refunded                      pgtype.Numeric
		deliveredAt                         *time.Time
		pid, sku, name, group               []string
		qty, shipped, delivered, returned   []int64
		unitPrice, lineDiscount, taxRate    []pgtype.Numeric
	)
	err := row.Scan(&o.ID, &o.Number, &chType, &o.Channel.ID, &o.Store, &o.ExternalID, &o.Type,
		&o.Client.ID, &o.Client.Groups, &o.Client.Email, &o.Currency,
		&subtotal, &discount, &tax, &fee, &total,
		&o.PaymentMethod, &o.Billing, &o.ShippingTo, &o.Seller, &o.Notes,
		&status, &heldFrom, &o.ApprovalRequired, &approval, &o.ApprovalRule, &o.RejectReason,
		&o.Shipment.Courier, &o.Shipment.AWB, &o.Shipment.URL, &paid, &refunded,
		&o.CreatedAt, &o.UpdatedAt, &deliveredAt, &o.Version,
		&pid, &sku, &name, &group, &qty, &unitPrice, &lineDiscount, &taxRate, &shipped, &delivered, &returned)
	if err != nil {
		return oms.Order{}, err
	}
	o.Channel.Type = oms.ChannelType(chType)
	o.Status, o.HeldFrom, o.Approval = oms.Status(status), oms.Status(heldFrom), oms.Approval(approval)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if deliveredAt != nil {
		o.DeliveredAt = deliveredAt.UTC()
	}
	if len(o.Client.Groups) == 0 {
		o.Client.Groups = nil
	}
	amounts := []struct {
		dst *decimal.Decimal
		src pgtype.Numeric
	}{{&o.Totals.Subtotal, subtotal}, {&o.Totals.Discount, discount}, {&o.Totals.Tax, tax},
		{&o.Totals.DeliveryFee, fee}, {&o.Totals.Total, total}, {&o.Paid, paid}, {&o.Refunded, refunded}}
	for _, a := range amounts {
		if *a.dst, err = dec(a.src); err != nil {
			return oms.Order{}, fmt.Errorf("pgstore: order %s: %w", o.ID, err)
		}
	}
	n := len(pid)
	if len(sku) != n || len(name) != n || len(group) != n || len(qty) != n || len(unitPrice) != n ||
		len(lineDiscount) != n || len(taxRate) != n || len(shipped) != n || len(delivered) != n || len(returned) != n {
		return oms.Order{}, fmt.Errorf("pgstore: order %s: line arrays of different lengths", o.ID)
	}
	if n > 0 {
		o.Lines = make([]oms.Line, n)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.ProductID, l.SKU, l.Name, l.ProductGroup = pid[i], sku[i], name[i], group[i]
		l.Quantity, l.Shipped, l.Delivered, l.Returned = qty[i], shipped[i], delivered[i], returned[i]
		if l.UnitPrice, err = dec(unitPrice[i]); err == nil {
			if l.Discount, err = dec(lineDiscount[i]); err == nil {
				l.TaxRate, err = dec(taxRate[i])
			}
		}
		if err != nil {
			return oms.Order{}, fmt.Errorf("pgstore: order %s line %d: %w", o.ID, i, err)
		}
	}
	return o, nil
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
// the chain: unique violations are ErrDuplicate, a foreign key to a
// missing order is ErrNotFound.
func mapErr(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%w (%w)", oms.ErrDuplicate, err)
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w (%w)", oms.ErrNotFound, err)
	}
	return err
}
