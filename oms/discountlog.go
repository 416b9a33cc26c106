package oms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
)

// DiscountLogTx is the part of a unit of work that writes the applied
// discount log (the guide's omni_log_discount). It is optional in a Tx:
// memstore and pgstore implement it; Place needs it only for an order
// placed with NewOrder.DiscountLog.
type DiscountLogTx interface {
	// AppendDiscountLog adds rows to the log, in order. The rows name
	// their order (Place fills it in).
	AppendDiscountLog(ctx context.Context, rows []discount.LogRow) error
}

// DiscountLogReader reads the applied discount log. It is optional in a
// Store: memstore and pgstore implement it.
type DiscountLogReader interface {
	// DiscountLog returns the rows that match f in the order they were
	// written.
	DiscountLog(ctx context.Context, f DiscountLogFilter) ([]discount.LogRow, error)
}

// DiscountLogFilter selects log rows; zero fields match everything.
type DiscountLogFilter struct {
	Order   string
	Client  discount.ClientID
	Rule    discount.RuleID
	Channel discount.ChannelID
	// Voucher matches the normalised code; "" matches every row.
	Voucher string
	// From and To bound the rows' time (At): From ≤ At < To.
	From, To time.Time
	// Limit caps the rows returned (the first ones written); 0 = no cap.
	Limit int
}

// Match reports whether r passes the filter; stores that filter in memory
// use it, so every store selects the same rows.
func (f DiscountLogFilter) Match(r *discount.LogRow) bool {
	switch {
	case f.Order != "" && r.Order != f.Order,
		f.Client != "" && r.Client != f.Client,
		f.Rule != 0 && r.Rule != f.Rule,
		f.Channel != 0 && r.Channel != f.Channel,
		f.Voucher != "" && r.Voucher != f.Voucher,
		!f.From.IsZero() && r.At.Before(f.From),
		!f.To.IsZero() && !r.At.Before(f.To):
		return false
	}
	return true
}

// DiscountLog returns the applied discount log rows that match f, for the
// guide's campaign reports (see discount.Summarize). It needs
// PermDiscountsView or PermReports; a portal client sees only their own
// rows.
func (s *Service) DiscountLog(ctx context.Context, actor Actor, f DiscountLogFilter) ([]discount.LogRow, error) {
	if actor.ClientID != "" {
		f.Client = discount.ClientID(actor.ClientID)
	} else if !actor.Can(PermDiscountsView) && !actor.Can(PermReports) {
		return nil, forbid(actor, PermDiscountsView, "read the discount log")
	}
	r, ok := s.store.(DiscountLogReader)
	if !ok {
		return nil, fmt.Errorf("oms: store %T keeps no discount log: %w", s.store, ErrUnsupported)
	}
	rows, err := r.DiscountLog(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("oms: discount log: %w", err)
	}
	return rows, nil
}

// discountRows checks a cart's log rows against the order being placed
// and returns a copy that names it. The rows must belong to the order's
// client and products, and per product what they saved must be exactly
// the discount on the order's lines of that product, so the log is what
// the order carries (returns price refunds from it). Lines of products
// the log does not name may carry a discount of their own (a manual one).
func discountRows(rows []discount.LogRow, o *Order) ([]discount.LogRow, error) {
	out := slices.Clone(rows)
	onLines := map[string]decimal.Decimal{}
	for _, l := range o.Lines {
		onLines[l.ProductID] = onLines[l.ProductID].Add(l.Discount)
	}
	saved := map[string]decimal.Decimal{}
	for i := range out {
		r := &out[i]
		field := func(name string) string { return "discount_log[" + strconv.Itoa(i) + "]." + name }
		switch {
		case r.Rule <= 0:
			return nil, &ValidationError{Field: field("rule"), Reason: "not a rule id"}
		case r.Saved.IsNegative() || r.OriginalTotal.IsNegative() || r.TotalAfter.IsNegative():
			return nil, &ValidationError{Field: field("saved"), Reason: "negative amount"}
		case !r.OriginalTotal.Sub(r.TotalAfter).Equal(r.Saved):
			return nil, &ValidationError{Field: field("saved"), Reason: "saved is not original total − total after"}
		case r.Currency != "" && r.Currency != o.Currency:
			return nil, &ValidationError{Field: field("currency"), Reason: r.Currency + " on an order in " + o.Currency, Kind: ErrCurrencyMismatch}
		case r.Order != "" && r.Order != o.ID:
			return nil, &ValidationError{Field: field("order"), Reason: "names another order " + r.Order}
		case r.Client != "" && string(r.Client) != o.Client.ID:
			return nil, &ValidationError{Field: field("client"), Reason: "names another client " + string(r.Client)}
		}
		if _, ok := onLines[string(r.Product)]; !ok {
			return nil, &ValidationError{Field: field("product"), Reason: "product " + string(r.Product) + " is on no line of the order"}
		}
		saved[string(r.Product)] = saved[string(r.Product)].Add(r.Saved)
		r.Order = o.ID
		if r.Currency == "" {
			r.Currency = o.Currency
		}
		if r.At.IsZero() {
			r.At = o.CreatedAt
		}
		r.At = r.At.UTC().Truncate(time.Microsecond)
	}
	for p, sv := range saved {
		if !sv.Equal(onLines[p]) {
			return nil, &ValidationError{Field: "discount_log", Reason: fmt.Sprintf("rows for product %s saved %s, its lines carry a discount of %s", p, sv, onLines[p])}
		}
	}
	return out, nil
}
