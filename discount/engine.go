package discount

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Policy chooses how automatic rules combine on a line.
type Policy int

// Stacking policies.
const (
	// BestPerLine, the default: each line gets the one automatic rule that
	// saves the most on it (ties: the later Start, then the lower id), then
	// at most one voucher applies on the discounted prices.
	BestPerLine Policy = iota
	// StackAll applies every matching automatic rule, one after the other on
	// the running price (later Start first, then lower id), then the voucher.
	StackAll
)

// Config configures an [Engine]. The zero value is ready: UTC, the
// BestPerLine policy, and no usage check while discounting (limits are still
// enforced by [Ledger.Redeem]).
type Config struct {
	// Location is the shop's time zone, in which rule days are read; nil
	// means UTC.
	Location *time.Location
	// Policy is how automatic rules combine; the zero value is BestPerLine.
	Policy Policy
	// Usage, when set, lets Apply refuse a voucher whose limits are already
	// used up. Apply only reads the counts, so two carts may both be
	// accepted for a voucher's last use; redemption is checked again,
	// atomically, by the ledger, and only one of them redeems.
	Usage UsageCounter
}

// UsageCounter reports how often a voucher rule was redeemed, in total and by
// one client. [*Ledger] implements it. An error aborts Apply.
type UsageCounter interface {
	Usage(ctx context.Context, rule RuleID, client ClientID) (total, byClient int64, err error)
}

// compiled is a validated rule with its scopes as sets and its window as
// comparable day numbers.
type compiled struct {
	Rule
	start, end   int32 // yyyymmdd; open ends are 0 and MaxInt32
	code         string
	currency     string
	clients      map[ClientID]struct{}
	cgroups      map[GroupID]struct{}
	products     map[ProductID]struct{}
	pgroups      map[ProductGroupID]struct{}
	orderLevel   bool
	clientScoped bool
	hasMin       bool
}

func setOf[K comparable](ks []K) map[K]struct{} {
	if len(ks) == 0 {
		return nil
	}
	m := make(map[K]struct{}, len(ks))
	for _, k := range ks {
		m[k] = struct{}{}
	}
	return m
}

func compile(r Rule) *compiled {
	r.Clients = slices.Clone(r.Clients)
	r.ClientGroups = slices.Clone(r.ClientGroups)
	r.Products = slices.Clone(r.Products)
	r.ProductGroups = slices.Clone(r.ProductGroups)
	c := &compiled{
		Rule: r, start: 0, end: math.MaxInt32,
		code:         normCode(r.Voucher),
		currency:     normCurrency(r.Currency),
		clients:      setOf(r.Clients),
		cgroups:      setOf(r.ClientGroups),
		products:     setOf(r.Products),
		pgroups:      setOf(r.ProductGroups),
		orderLevel:   r.OrderLevel(),
		clientScoped: len(r.Clients) > 0 || len(r.ClientGroups) > 0,
		hasMin:       r.MinOrderValue.IsPositive(),
	}
	if !r.Start.IsZero() {
		c.start = r.Start.key()
	}
	if !r.End.IsZero() {
		c.end = r.End.key()
	}
	return c
}

func (c *compiled) buyerOK(client ClientID, groups []GroupID) bool {
	if !c.clientScoped {
		return true
	}
	if _, ok := c.clients[client]; ok {
		return true
	}
	for _, g := range groups {
		if _, ok := c.cgroups[g]; ok {
			return true
		}
	}
	return false
}

func (c *compiled) lineOK(l *Line) bool {
	if c.orderLevel {
		return true
	}
	if _, ok := c.products[l.Product]; ok {
		return true
	}
	for _, g := range l.ProductGroups {
		if _, ok := c.pgroups[g]; ok {
			return true
		}
	}
	return false
}

func (c *compiled) placeOK(channel ChannelID, store StoreID, currency string) bool {
	return (c.Channel == 0 || c.Channel == channel) &&
		(c.Store == "" || c.Store == store) &&
		(c.currency == "" || c.currency == currency)
}

// autoOK checks every dimension of an automatic rule but the product scope.
func (c *compiled) autoOK(cart *Cart, cur string, day int32, subtotal decimal.Decimal) bool {
	return day >= c.start && day <= c.end &&
		c.placeOK(cart.Channel, cart.Store, cur) &&
		c.buyerOK(cart.Client, cart.Groups) &&
		(!c.hasMin || !subtotal.LessThan(c.MinOrderValue))
}

// prioLess orders rules for ties and for stacking: later start first, then
// lower id.
func prioLess(a, b *compiled) bool {
	if a.start != b.start {
		return a.start > b.start
	}
	return a.ID < b.ID
}

func prioCmp(a, b *compiled) int {
	switch {
	case a == b:
		return 0
	case prioLess(a, b):
		return -1
	}
	return 1
}

// Engine discounts carts with a fixed set of rules. Rules are indexed by
// product, product group, client, client group and voucher code, so the cost
// of Apply depends on the rules that could touch the cart, not on how many
// rules there are. An Engine is immutable and safe for concurrent use; build a
// new one when rules change (usage counts live in the [Ledger], not here).
type Engine struct {
	cfg       Config
	loc       *time.Location
	rules     []*compiled // sorted by id
	byID      map[RuleID]*compiled
	byProduct map[ProductID][]*compiled
	byPGroup  map[ProductGroupID][]*compiled
	byClient  map[ClientID][]*compiled
	byGroup   map[GroupID][]*compiled
	byVoucher map[string]*compiled
	unscoped  []*compiled // automatic, order-level, for anyone
}

// NewEngine validates the configuration and the rules and indexes them. It
// returns the first invalid rule as a [*RuleError]; two rules with one id or
// one voucher code, and an unknown cfg.Policy (Field "Config.Policy"), are
// also a [*RuleError] (errors.Is [ErrInvalidRule]).
func NewEngine(cfg Config, rules []Rule) (*Engine, error) {
	e := &Engine{
		cfg: cfg, loc: cfg.Location,
		byID:      make(map[RuleID]*compiled, len(rules)),
		byProduct: make(map[ProductID][]*compiled),
		byPGroup:  make(map[ProductGroupID][]*compiled),
		byClient:  make(map[ClientID][]*compiled),
		byGroup:   make(map[GroupID][]*compiled),
		byVoucher: make(map[string]*compiled),
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	if cfg.Policy != BestPerLine && cfg.Policy != StackAll {
		return nil, &RuleError{Field: "Config.Policy", Reason: fmt.Sprintf("unknown policy %d", int(cfg.Policy))}
	}
	for i := range rules {
		r := &rules[i]
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if _, dup := e.byID[r.ID]; dup {
			return nil, &RuleError{Rule: r.ID, Field: "ID", Reason: "used by two rules"}
		}
		c := compile(*r)
		e.byID[r.ID] = c
		e.rules = append(e.rules, c)
		switch {
		case c.code != "":
			if other, dup := e.byVoucher[c.code]; dup {
				return nil, &RuleError{Rule: r.ID, Field: "Voucher", Reason: fmt.Sprintf("code %q also used by rule %d", c.code, other.ID)}
			}
			e.byVoucher[c.code] = c
		case !c.orderLevel:
			for p := range c.products {
				e.byProduct[p] = append(e.byProduct[p], c)
			}
			for g := range c.pgroups {
				e.byPGroup[g] = append(e.byPGroup[g], c)
			}
		case c.clientScoped:
			for cl := range c.clients {
				e.byClient[cl] = append(e.byClient[cl], c)
			}
			for g := range c.cgroups {
				e.byGroup[g] = append(e.byGroup[g], c)
			}
		default:
			e.unscoped = append(e.unscoped, c)
		}
	}
	slices.SortFunc(e.rules, func(a, b *compiled) int { return cmp.Compare(a.ID, b.ID) })
	return e, nil
}

// Rule returns a copy of the rule with the given id.
func (e *Engine) Rule(id RuleID) (Rule, bool) {
	c, ok := e.byID[id]
	if !ok {
		return Rule{}, false
	}
	return compile(c.Rule).Rule, true
}

// Apply discounts the cart: it finds the matching automatic rules for each
// line, keeps them as the policy says, applies the cart's voucher if it is
// accepted, and returns the result with its log rows. A refused voucher is
// not an error: the result says why in VoucherRefused. Errors are a
// [*CartError] for a malformed cart and the [UsageCounter]'s error, wrapped.
func (e *Engine) Apply(ctx context.Context, cart Cart) (Result, error) {
	if err := checkCart(&cart); err != nil {
		return Result{}, err
	}
	exp := MinorUnits(cart.Currency)
	cur := normCurrency(cart.Currency)
	day := DateOf(cart.At, e.loc).key()
	base, subtotal := baseTotals(&cart, exp)

	// Order-level automatic rules for this buyer.
	var order []*compiled
	addOrder := func(cs []*compiled) {
		for _, c := range cs {
			if c.autoOK(&cart, cur, day, subtotal) && !slices.Contains(order, c) {
				order = append(order, c)
			}
		}
	}
	addOrder(e.byClient[cart.Client])
	for _, g := range cart.Groups {
		addOrder(e.byGroup[g])
	}
	addOrder(e.unscoped)

	cands := make([][]*compiled, len(cart.Lines))
	for i := range cart.Lines {
		l := &cart.Lines[i]
		cs := make([]*compiled, 0, 8+len(order))
		add := func(bucket []*compiled) {
			for _, c := range bucket {
				if c.autoOK(&cart, cur, day, subtotal) && !slices.Contains(cs, c) {
					cs = append(cs, c)
				}
			}
		}
		add(e.byProduct[l.Product])
		for _, g := range l.ProductGroups {
			add(e.byPGroup[g])
		}
		cands[i] = append(cs, order...)
	}

	var v *compiled
	var vlines []bool
	if code := normCode(cart.Voucher); code != "" {
		if v = e.byVoucher[code]; v != nil {
			vlines = make([]bool, len(cart.Lines))
			for i := range cart.Lines {
				vlines[i] = v.lineOK(&cart.Lines[i])
			}
		}
	}
	return settle(ctx, &e.cfg, &cart, exp, cur, day, base, subtotal, cands, v, vlines)
}

func checkCart(cart *Cart) error {
	bad := func(line int, field, reason string) error {
		return &CartError{Line: line, Field: field, Reason: reason}
	}
	switch {
	case checkCurrency(cart.Currency) != "":
		return bad(-1, "Currency", checkCurrency(cart.Currency))
	case cart.At.IsZero():
		return bad(-1, "At", "zero time")
	case len(cart.Lines) == 0:
		return bad(-1, "Lines", "empty")
	}
	for i, l := range cart.Lines {
		switch {
		case l.Product == "":
			return bad(i, "Product", "empty")
		case l.Quantity < 1:
			return bad(i, "Quantity", fmt.Sprintf("%d is below 1", l.Quantity))
		case l.UnitPrice.IsNegative():
			return bad(i, "UnitPrice", "negative")
		}
	}
	return nil
}

// baseTotals returns each line's total before discounts (unit price ×
// quantity rounded half-up to the minor unit) and their sum, the subtotal
// that minimum order values are compared with. Savings are not computed
// from these rounded totals but from the unit prices (see settle).
func baseTotals(cart *Cart, exp int32) ([]decimal.Decimal, decimal.Decimal) {
	base := make([]decimal.Decimal, len(cart.Lines))
	var sum decimal.Decimal
	for i, l := range cart.Lines {
		base[i] = lineTotal(l.UnitPrice, l.Quantity, exp)
		sum = sum.Add(base[i])
	}
	return base, sum
}
