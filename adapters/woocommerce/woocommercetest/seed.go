package woocommercetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AddOrder stores o (replacing an order with the same id) and returns the
// stored copy. The server fills what is empty: id, number, order_key,
// status "pending", currency "USD", created_via "rest-api", "0.00"
// amounts, creation time (now), modification time (= creation), the local
// date fields from the _gmt ones (or the reverse), line and meta ids, and
// [] for absent lists.
//
// Like httptest.NewRequest it panics when o cannot be encoded (an invalid
// json.Number price or RawMessage meta value): that is a bug in the test.
func (s *Server) AddOrder(o Order) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addOrder(o)
}

// AddOrders stores several orders (see AddOrder) and returns the copies.
func (s *Server) AddOrders(orders ...Order) []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, len(orders))
	for i, o := range orders {
		out[i] = s.addOrder(o)
	}
	return out
}

func (s *Server) addOrder(in Order) Order {
	o := in.clone()
	now := s.now()
	if o.ID == 0 {
		s.lastOrderID++
		o.ID = s.lastOrderID
	} else if o.ID > s.lastOrderID {
		s.lastOrderID = o.ID
	}
	id := strconv.FormatInt(o.ID, 10)
	if o.Number == "" {
		o.Number = id
	}
	if o.OrderKey == "" {
		o.OrderKey = fmt.Sprintf("wc_order_%013x", o.ID*2654435761)
	}
	if o.Status == "" {
		o.Status = "pending"
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.CreatedVia == "" {
		o.CreatedVia = "rest-api"
	}
	if o.Version == "" {
		o.Version = "9.4.0"
	}
	for _, f := range []*string{&o.DiscountTotal, &o.DiscountTax, &o.ShippingTotal, &o.ShippingTax, &o.CartTax, &o.Total, &o.TotalTax} {
		if *f == "" {
			*f = "0.00"
		}
	}
	created := s.pickTime(&o.DateCreated, &o.DateCreatedGMT, now)
	modified := s.pickTime(&o.DateModified, &o.DateModifiedGMT, created)
	if modified.Before(created) {
		modified = created
		o.DateModified, o.DateModifiedGMT = s.local(created), gmt(created)
	}
	s.fixPair(&o.DatePaid, &o.DatePaidGMT)
	s.fixPair(&o.DateCompleted, &o.DateCompletedGMT)
	o.MetaData = s.fixMeta(o.MetaData)
	if o.LineItems == nil {
		o.LineItems = []LineItem{}
	}
	for i := range o.LineItems {
		l := &o.LineItems[i]
		if l.ID == 0 {
			s.lastItemID++
			l.ID = s.lastItemID
		}
		if l.Taxes == nil {
			l.Taxes = []LineTax{}
		}
		l.MetaData = s.fixMeta(l.MetaData)
		if l.Price == "" {
			l.Price = "0"
		}
		for _, f := range []*string{&l.Subtotal, &l.SubtotalTax, &l.Total, &l.TotalTax} {
			if *f == "" {
				*f = "0.00"
			}
		}
	}
	for i := range o.ShippingLines {
		if o.ShippingLines[i].ID == 0 {
			s.lastItemID++
			o.ShippingLines[i].ID = s.lastItemID
		}
		if o.ShippingLines[i].Taxes == nil {
			o.ShippingLines[i].Taxes = []LineTax{}
		}
		o.ShippingLines[i].MetaData = s.fixMeta(o.ShippingLines[i].MetaData)
	}
	if o.TaxLines == nil {
		o.TaxLines = []TaxLine{}
	}
	if o.ShippingLines == nil {
		o.ShippingLines = []ShippingLine{}
	}
	if o.FeeLines == nil {
		o.FeeLines = []FeeLine{}
	}
	if o.CouponLines == nil {
		o.CouponLines = []CouponLine{}
	}
	if o.Refunds == nil {
		o.Refunds = []Refund{}
	}
	raw, err := json.Marshal(o)
	if err != nil {
		panic(fmt.Sprintf("woocommercetest: AddOrder %d cannot be encoded: %v", o.ID, err))
	}
	_, replaced := s.orders[o.ID]
	s.orders[o.ID] = &orderRec{o: o, raw: raw, created: created, modified: modified}
	s.version++
	if replaced {
		s.emit(TopicOrderUpdated, o.ID)
	} else {
		s.emit(TopicOrderCreated, o.ID)
	}
	return o.clone()
}

// pickTime fills a (local, gmt) pair from whichever is set, else from def,
// and returns the instant. Called locked.
func (s *Server) pickTime(local, g *string, def time.Time) time.Time {
	t := def
	switch {
	case *g != "":
		if v, err := time.ParseInLocation(dateLayout, *g, time.UTC); err == nil {
			t = v
		}
	case *local != "":
		if v, err := time.ParseInLocation(dateLayout, *local, s.loc); err == nil {
			t = v.UTC()
		}
	}
	*local, *g = s.local(t), gmt(t)
	return t
}

func (s *Server) fixPair(local, g **string) {
	if *local == nil && *g == nil {
		return
	}
	var l, gg string
	if *local != nil {
		l = **local
	}
	if *g != nil {
		gg = **g
	}
	s.pickTime(&l, &gg, s.now())
	*local, *g = &l, &gg
}

func (s *Server) fixMeta(m []MetaData) []MetaData {
	if m == nil {
		return []MetaData{}
	}
	for i := range m {
		if m[i].ID == 0 {
			s.lastItemID++
			m[i].ID = s.lastItemID
		}
		if m[i].Value == nil {
			m[i].Value = json.RawMessage("null")
		}
	}
	return m
}

// UpdateOrder changes an order as the shop's admin would: fn edits a copy,
// which is stored with date_modified moved to now, and the webhooks fire
// (order.updated; order.deleted or order.restored when the status enters
// or leaves the trash). It reports false if no order has this id. fn runs
// under the server lock: it must not call the Server.
func (s *Server) UpdateOrder(id int64, fn func(*Order)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return false
	}
	before := rec.o.Status
	o := rec.o.clone()
	fn(&o)
	o.ID = id
	rec.o = o
	s.touch(rec, s.now())
	s.emitStatus(id, before, o.Status)
	return true
}

// SetOrderStatus changes an order's status as the shop's admin would (see
// UpdateOrder); it is not logged as a PUT. It reports false for an unknown id.
func (s *Server) SetOrderStatus(id int64, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return false
	}
	s.setStatus(rec, status)
	return true
}

// DeleteOrder removes an order (order.deleted fires); it reports false for
// an unknown id.
func (s *Server) DeleteOrder(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[id]; !ok {
		return false
	}
	delete(s.orders, id)
	s.version++
	s.emit(TopicOrderDeleted, id)
	return true
}

// Order returns a copy of an order.
func (s *Server) Order(id int64) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return rec.o.clone(), true
}

// OrderStatus returns an order's status, or "" for an unknown id.
func (s *Server) OrderStatus(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.orders[id]; ok {
		return rec.o.Status
	}
	return ""
}

// OrderJSON returns an order exactly as the API serves it.
func (s *Server) OrderJSON(id int64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), rec.raw...), true
}

// OrderIDs returns every order id, ascending.
func (s *Server) OrderIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.orders))
	for id := range s.orders {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Puts returns a copy of the log of order updates received.
func (s *Server) Puts() []PutRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PutRecord(nil), s.puts...)
}

// PutCount counts the applied updates of one order: a status pushed
// exactly once gives 1 however many attempts failed before reaching it.
// (With AfterApply faults a retried PUT lands again and counts again.)
func (s *Server) PutCount(orderID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.puts {
		if p.OrderID == orderID && p.Applied {
			n++
		}
	}
	return n
}

// StatusPushes returns the statuses applied to one order through the API, in order.
func (s *Server) StatusPushes(orderID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.puts {
		if p.OrderID == orderID && p.Applied && p.Status != "" {
			out = append(out, p.Status)
		}
	}
	return out
}

// Batches returns a copy of the log of products batch requests received.
func (s *Server) Batches() []BatchRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BatchRecord(nil), s.batches...)
}

// AddProduct stores p (replacing one with the same id) and returns the
// stored copy; id, slug, type "simple", status "publish", stock status,
// price (sale price if set, else regular) and dates are filled in.
func (s *Server) AddProduct(p Product) Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := p.clone()
	if c.ID == 0 {
		s.lastProdID++
		c.ID = s.lastProdID
	} else if c.ID > s.lastProdID {
		s.lastProdID = c.ID
	}
	if c.Slug == "" {
		c.Slug = "product-" + strconv.FormatInt(c.ID, 10)
	}
	if c.Type == "" {
		c.Type = "simple"
	}
	if c.Status == "" {
		c.Status = "publish"
	}
	if c.StockStatus == "" {
		c.StockStatus = "instock"
	}
	c.Price = c.RegularPrice
	if c.SalePrice != "" {
		c.Price = c.SalePrice
	}
	if c.Images == nil {
		c.Images = []Image{}
	}
	c.MetaData = s.fixMeta(c.MetaData)
	now := s.now()
	s.pickTime(&c.DateCreated, &c.DateCreatedGMT, now)
	s.pickTime(&c.DateModified, &c.DateModifiedGMT, now)
	s.products[c.ID] = &c
	return c.clone()
}

// Product returns a copy of a product.
func (s *Server) Product(id int64) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return Product{}, false
	}
	return p.clone(), true
}

// ProductBySKU returns a copy of the product with this SKU.
func (s *Server) ProductBySKU(sku string) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.products {
		if p.SKU == sku && sku != "" {
			return p.clone(), true
		}
	}
	return Product{}, false
}

// ProductCount returns how many products the server holds.
func (s *Server) ProductCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.products)
}

// AddCustomer stores c and returns the stored copy (id, role "customer",
// username and dates filled in).
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == 0 {
		s.lastCustID++
		c.ID = s.lastCustID
	} else if c.ID > s.lastCustID {
		s.lastCustID = c.ID
	}
	if c.Role == "" {
		c.Role = "customer"
	}
	if c.Username == "" {
		c.Username, _, _ = strings.Cut(c.Email, "@")
	}
	c.MetaData = s.fixMeta(cloneMeta(c.MetaData))
	now := s.now()
	s.pickTime(&c.DateCreated, &c.DateCreatedGMT, now)
	s.pickTime(&c.DateModified, &c.DateModifiedGMT, now)
	s.customers[c.ID] = &c
	out := c
	out.MetaData = cloneMeta(c.MetaData)
	return out
}

// Generator describes orders made by MakeOrders. The zero value makes
// varied orders: statuses from the core set, 1 to 3 lines with SKUs
// "SKU-1".."SKU-20", billing emails customerN@example.com, created one
// minute apart from 2025-01-01 UTC.
type Generator struct {
	// Seed makes the output reproducible.
	Seed uint64
	// Statuses to draw from. Empty: pending, processing, on-hold,
	// completed, cancelled, refunded, failed.
	Statuses []string
	// SKUs to draw line SKUs from; "" entries give null SKUs. Empty:
	// SKU-1..SKU-20.
	SKUs []string
	// Currency. Empty: "USD".
	Currency string
	// Start is the first creation time; Step the gap between orders.
	// Zero: 2025-01-01T00:00:00Z and one minute.
	Start time.Time
	Step  time.Duration
}

// MakeOrders returns n varied orders (not stored; pass them to AddOrders).
// Totals are consistent: line totals = price × quantity, order total =
// lines + shipping. Some line prices are fractional, as WooCommerce
// computes them.
func MakeOrders(n int, g Generator) []Order {
	rng := rand.New(rand.NewPCG(g.Seed, g.Seed+1))
	statuses := g.Statuses
	if len(statuses) == 0 {
		statuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"}
	}
	skus := g.SKUs
	if len(skus) == 0 {
		for i := 1; i <= 20; i++ {
			skus = append(skus, "SKU-"+strconv.Itoa(i))
		}
	}
	cur := g.Currency
	if cur == "" {
		cur = "USD"
	}
	start, step := g.Start, g.Step
	if start.IsZero() {
		start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if step == 0 {
		step = time.Minute
	}
	out := make([]Order, n)
	for i := range out {
		created := start.Add(time.Duration(i) * step).UTC()
		var lines []LineItem
		var sum int64 // cents
		for j := 0; j < 1+rng.IntN(3); j++ {
			k := rng.IntN(len(skus))
			qty := int64(1 + rng.IntN(3))
			cents := int64(100 + rng.IntN(20000))
			total := cents * qty
			var sku *string
			if skus[k] != "" {
				v := skus[k]
				sku = &v
			}
			price := json.Number(cents2(cents))
			if rng.IntN(10) == 0 {
				// A discounted line: WooCommerce's price = total/quantity can be fractional.
				qty = 3
				total = cents
				price = json.Number(strconv.FormatFloat(float64(cents)/300, 'f', -1, 64))
			}
			lines = append(lines, LineItem{
				Name: "Product " + strconv.Itoa(k+1), ProductID: int64(k + 1), Quantity: qty,
				Subtotal: cents2(total), SubtotalTax: "0.00", Total: cents2(total), TotalTax: "0.00",
				SKU: sku, Price: price,
			})
			sum += total
		}
		ship := int64(rng.IntN(3)) * 500
		paid := (*string)(nil)
		st := statuses[rng.IntN(len(statuses))]
		if st == "processing" || st == "completed" {
			v := created.Add(time.Minute).Format(dateLayout)
			paid = &v
		}
		o := Order{
			Status: st, Currency: cur,
			DateCreatedGMT: created.Format(dateLayout),
			ShippingTotal:  cents2(ship), Total: cents2(sum + ship),
			CustomerID: int64(rng.IntN(3)) * int64(1+rng.IntN(50)),
			Billing: Address{FirstName: "Client", LastName: strconv.Itoa(i + 1), Address1: strconv.Itoa(i+1) + " Main St",
				City: "Bucharest", Postcode: "010101", Country: "RO",
				Email: fmt.Sprintf("customer%d@example.com", 1+rng.IntN(max(1, n/3+1))), Phone: "0700000000"},
			Shipping:           Address{FirstName: "Client", LastName: strconv.Itoa(i + 1), Address1: strconv.Itoa(i+1) + " Main St", City: "Bucharest", Postcode: "010101", Country: "RO"},
			PaymentMethod:      []string{"bacs", "cod", "stripe"}[rng.IntN(3)],
			DatePaidGMT:        paid,
			LineItems:          lines,
			ShippingLines:      []ShippingLine{{MethodTitle: "Flat rate", MethodID: "flat_rate", Total: cents2(ship), TotalTax: "0.00"}},
			MetaData:           []MetaData{{Key: "_generated", Value: json.RawMessage(`{"index":` + strconv.Itoa(i) + `}`)}},
			PaymentMethodTitle: "",
		}
		o.PaymentMethodTitle = map[string]string{"bacs": "Direct bank transfer", "cod": "Cash on delivery", "stripe": "Credit card"}[o.PaymentMethod]
		out[i] = o
	}
	return out
}

// GenerateOrders makes n orders with MakeOrders, stores them and returns
// the stored copies.
func (s *Server) GenerateOrders(n int, g Generator) []Order {
	return s.AddOrders(MakeOrders(n, g)...)
}

func cents2(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := fmt.Sprintf("%d.%02d", c/100, c%100)
	if neg {
		s = "-" + s
	}
	return s
}
