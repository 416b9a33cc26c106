package discount

import (
	"context"
	"fmt"
	"sync"
)

// Ledger counts voucher redemptions in memory and enforces usage limits.
// The zero value is empty and ready; it is safe for concurrent use, and
// Redeem checks and counts under one lock, so two carts racing for the last
// use of a voucher cannot both get it. Redeem before placing the order and
// Release if placing fails (see "Checkout with a voucher" in the package
// doc): Apply's usage check is only a read, and the order must not keep a
// discount its voucher could not redeem.
type Ledger struct {
	mu       sync.Mutex
	total    map[RuleID]int64
	byClient map[ruleClient]int64
	orders   map[ruleOrder]ClientID // uses recorded with an order id
	anon     map[ruleClient]int64   // uses recorded without one
}

type ruleClient struct {
	rule   RuleID
	client ClientID
}

type ruleOrder struct {
	rule  RuleID
	order string
}

var _ UsageCounter = (*Ledger)(nil)

// Usage implements [UsageCounter]. It never fails.
func (l *Ledger) Usage(_ context.Context, rule RuleID, client ClientID) (total, byClient int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total[rule], l.byClient[ruleClient{rule, client}], nil
}

// Redeem records one use of the voucher if its limits allow it. When the
// total or the client's limit is already reached it returns a
// [*VoucherError] with RefusedUsageExhausted and records nothing; the
// result that carried r must then not be placed: Apply the cart again. A
// redemption with an Order that is already recorded for the same rule
// succeeds without counting twice, so a retried commit is safe. The limits
// checked are those r carries (copied from the rule by Apply), so pass the
// Redemption as Apply returned it, with its Order set.
func (l *Ledger) Redeem(_ context.Context, r Redemption) error {
	if r.Rule <= 0 {
		return &VoucherError{Code: r.Code, Reason: RefusedUnknown}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total == nil {
		l.total = make(map[RuleID]int64)
		l.byClient = make(map[ruleClient]int64)
		l.orders = make(map[ruleOrder]ClientID)
		l.anon = make(map[ruleClient]int64)
	}
	if r.Order != "" {
		if _, done := l.orders[ruleOrder{r.Rule, r.Order}]; done {
			return nil
		}
	}
	rc := ruleClient{r.Rule, r.Client}
	if (r.TotalLimit > 0 && l.total[r.Rule] >= r.TotalLimit) ||
		(r.PerClientLimit > 0 && l.byClient[rc] >= r.PerClientLimit) {
		return &VoucherError{Code: r.Code, Rule: r.Rule, Reason: RefusedUsageExhausted}
	}
	l.total[r.Rule]++
	l.byClient[rc]++
	if r.Order != "" {
		l.orders[ruleOrder{r.Rule, r.Order}] = r.Client
	} else {
		l.anon[rc]++
	}
	return nil
}

// Release gives back a use recorded by Redeem, for an order that could not
// be placed or was cancelled. A redemption with an Order releases that order's use (whoever
// the client); one without releases a use that was also recorded without an
// order. It returns ErrNotRedeemed when there is no such use.
func (l *Ledger) Release(_ context.Context, r Redemption) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rc := ruleClient{r.Rule, r.Client}
	if r.Order != "" {
		ro := ruleOrder{r.Rule, r.Order}
		client, ok := l.orders[ro]
		if !ok {
			return fmt.Errorf("discount: releasing rule %d for order %q: %w", r.Rule, r.Order, ErrNotRedeemed)
		}
		delete(l.orders, ro)
		rc.client = client
	} else {
		// Only a use recorded without an order can be released without one.
		if l.anon[rc] == 0 {
			return fmt.Errorf("discount: releasing rule %d for client %q: %w", r.Rule, r.Client, ErrNotRedeemed)
		}
		l.anon[rc]--
	}
	l.total[r.Rule]--
	l.byClient[rc]--
	return nil
}
