package woocommerce_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func utcTime(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptrTime(s string) *time.Time { t := utcTime(s); return &t }

var cmpDecimal = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// The example order of the WooCommerce documentation decodes in full.
func TestDecodeDocumentedOrder(t *testing.T) {
	t.Parallel()
	got, err := woocommerce.DecodeOrder(readTestdata(t, "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	addr := woocommerce.Address{FirstName: "John", LastName: "Doe", Address1: "969 Market", City: "San Francisco", State: "CA", Postcode: "94103", Country: "US"}
	billing := addr
	billing.Email, billing.Phone = "john.doe@example.com", "(555) 555-5555"
	want := woocommerce.Order{
		ID: 727, Number: "727", OrderKey: "wc_order_58d2d042d1d", CreatedVia: "rest-api", Status: "processing", Currency: "USD",
		DateCreated:   utcTime("2017-03-22T19:28:02"),
		DateModified:  utcTime("2017-03-22T19:28:08"),
		DatePaid:      ptrTime("2017-03-22T19:28:08"),
		DiscountTotal: dec("0"), DiscountTax: dec("0"), ShippingTotal: dec("10.00"), ShippingTax: dec("0"),
		CartTax: dec("1.35"), Total: dec("29.35"), TotalTax: dec("1.35"),
		Billing: billing, Shipping: addr,
		PaymentMethod: "bacs", PaymentMethodTitle: "Direct Bank Transfer",
		MetaData: []woocommerce.MetaData{{ID: 13106, Key: "_download_permissions_granted", Value: json.RawMessage(`"yes"`)}},
		LineItems: []woocommerce.LineItem{{
			ID: 316, Name: "Ship Your Idea", ProductID: 22, VariationID: 23, Quantity: 1,
			Subtotal: dec("12"), SubtotalTax: dec("0.9"), Total: dec("12"), TotalTax: dec("0.9"),
			Taxes:    []woocommerce.LineTax{{ID: 75, Total: dec("0.9"), Subtotal: dec("0.9")}},
			MetaData: []woocommerce.MetaData{{ID: 2095, Key: "pa_color", Value: json.RawMessage(`"black"`)}},
			SKU:      "Bar3", Price: dec("12"),
		}},
		ShippingLines: []woocommerce.ShippingLine{{ID: 317, MethodTitle: "Flat Rate", MethodID: "flat_rate", Total: dec("10"), TotalTax: dec("0")}},
	}
	if d := cmp.Diff(want, got, cmpDecimal); d != "" {
		t.Fatalf("decoded order (-want +got):\n%s", d)
	}
	if got.DateCreated.Location() != time.UTC {
		t.Fatalf("times must be UTC, got %v", got.DateCreated.Location())
	}
}

func TestDecodeTraps(t *testing.T) {
	t.Parallel()
	o, err := woocommerce.DecodeOrder(readTestdata(t, "order_traps.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Fractional numeric price, read without float loss; big precise number too.
	if p := o.LineItems[0].Price; p.String() != "4.113333333333333" {
		t.Errorf("fractional price = %s", p)
	}
	if p := o.LineItems[2].Price; p.String() != "1234567890.1234567890123" {
		t.Errorf("large price = %s (float loss?)", p)
	}
	// null and "" SKUs both read as "".
	if o.LineItems[0].SKU != "" || o.LineItems[1].SKU != "" || o.LineItems[2].SKU != "X-1" {
		t.Errorf("skus %q %q %q", o.LineItems[0].SKU, o.LineItems[1].SKU, o.LineItems[2].SKU)
	}
	// Local date 03:30 (site in UTC+3 on DST change night) vs gmt 00:30: the gmt one wins.
	if !o.DateCreated.Equal(utcTime("2024-10-27T00:30:00")) || o.DateCreated.Location() != time.UTC {
		t.Errorf("date_created = %v", o.DateCreated)
	}
	if o.DatePaid != nil {
		t.Errorf("null date_paid must be nil, got %v", o.DatePaid)
	}
	if o.DateCompleted == nil || !o.DateCompleted.Equal(utcTime("2024-10-28T08:00:00")) {
		t.Errorf("date_completed = %v", o.DateCompleted)
	}
	if o.CustomerNote != "" || o.Shipping != (woocommerce.Address{}) || o.CustomerID != 42 || !o.PricesIncludeTax {
		t.Errorf("null note/shipping, customer: %+v", o)
	}
	// meta_data values of every JSON kind kept verbatim.
	wantMeta := []string{`"RO123"`, `{"source":"google","n":[1,2.50,null]}`, `3`, `null`, `["a","b"]`}
	for i, w := range wantMeta {
		if string(o.MetaData[i].Value) != w {
			t.Errorf("meta %d = %s, want %s", i, o.MetaData[i].Value, w)
		}
	}
	if len(o.CouponLines) != 1 || o.CouponLines[0].Code != "toamna5" || !o.CouponLines[0].Discount.Equal(dec("5")) ||
		!o.CouponLines[0].DiscountTax.Equal(dec("0.95")) || string(o.CouponLines[0].MetaData[0].Value) != `{"id":77,"amount":"5"}` {
		t.Errorf("coupon lines %+v", o.CouponLines)
	}
	if len(o.Refunds) != 1 || !o.Refunds[0].Total.Equal(dec("-10")) || o.Refunds[0].Reason != "Damaged" {
		t.Errorf("refunds %+v", o.Refunds)
	}
	if len(o.FeeLines) != 1 || !o.FeeLines[0].Total.Equal(dec("5")) || o.FeeLines[0].TaxStatus != "taxable" {
		t.Errorf("fee lines %+v", o.FeeLines)
	}
	if len(o.ShippingLines) != 1 || o.ShippingLines[0].InstanceID != "3" || !o.ShippingLines[0].TotalTax.Equal(dec("2.85")) {
		t.Errorf("shipping lines %+v", o.ShippingLines)
	}
	if len(o.TaxLines) != 1 || o.TaxLines[0].RateCode != "RO-TVA-1" || !o.TaxLines[0].ShippingTaxTotal.Equal(dec("2.85")) {
		t.Errorf("tax lines %+v", o.TaxLines)
	}
	if o.LineItems[1].Taxes[0].Subtotal.Sign() != 0 || !o.LineItems[1].Taxes[0].Total.Equal(dec("3.8")) {
		t.Errorf("line taxes with empty subtotal: %+v", o.LineItems[1].Taxes)
	}
	if o.Billing.Email != "ana.pop@example.ro" || o.PaymentMethod != "cod" || o.PaymentMethodTitle != "Plata la livrare" {
		t.Errorf("billing/payment: %+v", o)
	}
}

func TestDecodeOrdersKeepsGoodRecords(t *testing.T) {
	t.Parallel()
	page := []byte(`[{"id":1,"total":"1.00"},{"id":2,"total":"one"},{"id":3,"line_items":[{"price":"x"}]},{"id":4}]`)
	orders, err := woocommerce.DecodeOrders(page)
	var pe *woocommerce.PageDecodeError
	if !errors.As(err, &pe) || !errors.Is(err, woocommerce.ErrDecode) {
		t.Fatalf("err = %v", err)
	}
	if len(orders) != 2 || orders[0].ID != 1 || orders[1].ID != 4 {
		t.Fatalf("good orders %v", ids(orders))
	}
	if len(pe.Failed) != 2 || pe.Failed[0].ID != 2 || pe.Failed[0].Index != 1 || pe.Failed[1].ID != 3 || string(pe.Failed[1].Raw) != `{"id":3,"line_items":[{"price":"x"}]}` {
		t.Fatalf("failed %+v", pe.Failed)
	}
	var de *woocommerce.DecodeError
	if !errors.As(err, &de) || de.ID != 2 {
		t.Fatalf("errors.As DecodeError: %v", de)
	}
	if _, err := woocommerce.DecodeOrders([]byte(`{"code":"x"}`)); !errors.Is(err, woocommerce.ErrMalformedResponse) {
		t.Fatalf("not an array: %v", err)
	}
	good, err := woocommerce.DecodeOrders(readTestdata(t, "orders_page.json"))
	if err != nil || len(good) != 2 || !good[1].LineItems[0].Price.Equal(dec("10.25")) || good[1].LineItems[0].SKU != "" {
		t.Fatalf("orders_page.json: %v %+v", err, good)
	}
}

// A list whose second order is undecodable still lists the others; the
// failure names the order.
func TestListReportsUndecodableOrders(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.GenerateOrders(3, woocommercetest.Generator{})
	bad := srv.AddOrder(woocommercetest.Order{Total: "12,50"}) // a plugin writing a comma decimal
	cl := quickClient(t, srv)
	orders, resp, err := cl.Orders.List(t.Context(), nil)
	var pe *woocommerce.PageDecodeError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].ID != bad.ID {
		t.Fatalf("err = %v", err)
	}
	if len(orders) != 3 || resp == nil || resp.Total != 4 {
		t.Fatalf("orders %d, resp %+v", len(orders), resp)
	}
	all, err := cl.Orders.ListAll(t.Context(), nil)
	if !errors.As(err, &pe) || len(all) != 3 {
		t.Fatalf("ListAll: %d, %v", len(all), err)
	}
}

func TestDecodeBatchAnswerAndProducts(t *testing.T) {
	t.Parallel()
	raw := readTestdata(t, "product_batch_response.json")
	var w struct {
		Delete []json.RawMessage `json:"delete"`
		Update []json.RawMessage `json:"update"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	p, err := woocommerce.DecodeProduct(w.Delete[0])
	if err != nil {
		t.Fatal(err)
	}
	// manage_stock "parent" (variations), null stock, "" prices.
	if p.ManageStock || p.StockQuantity != nil || p.RegularPrice.Valid || p.Price.Sign() != 0 {
		t.Fatalf("product %+v", p)
	}
	u, err := woocommerce.DecodeProduct(w.Update[0])
	if err != nil || !u.SalePrice.Valid || !u.SalePrice.Decimal.Equal(dec("8")) || *u.StockQuantity != 0 || u.Images[0].ID != 5 {
		t.Fatalf("product %+v %v", u, err)
	}
}

// Property: any order the fake can serve decodes to the same amounts,
// times, SKUs and meta values (decode ∘ encode keeps the data).
func TestDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	amount := rapid.Custom(func(t *rapid.T) string {
		c := rapid.Int64Range(-1_000_000_00, 1_000_000_00).Draw(t, "cents")
		return decimal.New(c, -2).StringFixed(2)
	})
	price := rapid.Custom(func(t *rapid.T) string {
		v := rapid.Int64Range(0, 1<<53).Draw(t, "digits")
		exp := rapid.Int32Range(-15, 0).Draw(t, "exp")
		return decimal.New(v, exp).String()
	})
	when := rapid.Custom(func(t *rapid.T) time.Time {
		return time.Unix(rapid.Int64Range(0, 4102444800).Draw(t, "unix"), 0).UTC()
	})
	meta := rapid.SampledFrom([]string{`"s"`, `1`, `2.50`, `null`, `true`, `[1,"a",{}]`, `{"k":{"n":[]}}`})
	rapid.Check(t, func(t *rapid.T) {
		created := when.Draw(t, "created")
		o := woocommercetest.Order{
			ID: rapid.Int64Range(1, 1<<40).Draw(t, "id"), Status: "processing",
			DateCreated:    created.Add(3 * time.Hour).Format("2006-01-02T15:04:05"),
			DateCreatedGMT: created.Format("2006-01-02T15:04:05"),
			Total:          amount.Draw(t, "total"), ShippingTotal: amount.Draw(t, "ship"),
			MetaData: []woocommercetest.MetaData{{ID: 1, Key: "k", Value: json.RawMessage(meta.Draw(t, "meta"))}},
		}
		if rapid.Bool().Draw(t, "paid") {
			s := when.Draw(t, "paidAt").Format("2006-01-02T15:04:05")
			o.DatePaidGMT = &s
		}
		n := rapid.IntRange(0, 4).Draw(t, "lines")
		for i := 0; i < n; i++ {
			var sku *string
			if rapid.Bool().Draw(t, "hasSKU") {
				s := rapid.StringMatching(`[A-Za-z0-9_-]{0,12}`).Draw(t, "sku")
				sku = &s
			}
			o.LineItems = append(o.LineItems, woocommercetest.LineItem{
				ID: int64(i + 1), Quantity: rapid.Int64Range(1, 1000).Draw(t, "qty"),
				Total: amount.Draw(t, "lineTotal"), SKU: sku, Price: json.Number(price.Draw(t, "price")),
			})
		}
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := woocommerce.DecodeOrder(raw)
		if err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		if got.ID != o.ID || !got.Total.Equal(dec(o.Total)) || !got.ShippingTotal.Equal(dec(o.ShippingTotal)) {
			t.Fatalf("amounts: %+v from %s", got, raw)
		}
		if !got.DateCreated.Equal(created) {
			t.Fatalf("created %v, want %v", got.DateCreated, created)
		}
		if (o.DatePaidGMT == nil) != (got.DatePaid == nil) || (got.DatePaid != nil && got.DatePaid.Format("2006-01-02T15:04:05") != *o.DatePaidGMT) {
			t.Fatalf("date paid %v vs %v", got.DatePaid, o.DatePaidGMT)
		}
		var want bytes.Buffer
		_ = json.Compact(&want, o.MetaData[0].Value)
		if string(got.MetaData[0].Value) != want.String() {
			t.Fatalf("meta %s, want %s", got.MetaData[0].Value, want.String())
		}
		for i, l := range o.LineItems {
			g := got.LineItems[i]
			wantSKU := ""
			if l.SKU != nil {
				wantSKU = *l.SKU
			}
			if g.SKU != wantSKU || g.Quantity != l.Quantity || !g.Total.Equal(dec(l.Total)) || !g.Price.Equal(dec(string(l.Price))) {
				t.Fatalf("line %d: %+v from %+v", i, g, l)
			}
		}
	})
}

func fuzzSeeds(f *testing.F) {
	for _, name := range []string{"order.json", "order_traps.json", "orders_page.json", "product_batch_response.json"} {
		f.Add(readTestdata(f, name))
	}
	var page []json.RawMessage
	_ = json.Unmarshal(readTestdata(f, "orders_page.json"), &page)
	for _, p := range page {
		f.Add([]byte(p))
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"id":"12"}`, `{"line_items":[{"price":1e400}]}`, `{"date_created_gmt":"2025-13-01T00:00:00"}`,
		`{"line_items":[{"quantity":1.5}]}`, `{"total":"1e99999999999"}`, `{"meta_data":[{"value":` + strings.Repeat("[", 50) + strings.Repeat("]", 50) + `}]}`} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeOrder(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := woocommerce.DecodeOrder(data)
		if err != nil {
			if !errors.Is(err, woocommerce.ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			return
		}
		for _, tm := range []time.Time{o.DateCreated, o.DateModified} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Fatalf("non-UTC time %v", tm)
			}
		}
	})
}

func FuzzDecodeOrders(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		orders, err := woocommerce.DecodeOrders(data)
		var raws []json.RawMessage
		if json.Unmarshal(data, &raws) != nil {
			if err == nil && data != nil && string(bytes.TrimSpace(data)) != "null" {
				t.Fatalf("no error for a non-array: %q", data)
			}
			return
		}
		failed := 0
		var pe *woocommerce.PageDecodeError
		if errors.As(err, &pe) {
			failed = len(pe.Failed)
		} else if err != nil {
			t.Fatalf("unexpected error kind %v", err)
		}
		if len(orders)+failed != len(raws) {
			t.Fatalf("%d decoded + %d failed != %d records", len(orders), failed, len(raws))
		}
	})
}

func FuzzDecodeProduct(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := woocommerce.DecodeProduct(data)
		if err != nil && !errors.Is(err, woocommerce.ErrDecode) {
			t.Fatal(fmt.Errorf("error %w is not ErrDecode", err))
		}
	})
}

// Page elements without an id ({} or null, a plugin's broken filter) are
// malformed records, never order 0.
func TestDecodeOrdersRefusesRecordsWithoutID(t *testing.T) {
	t.Parallel()
	orders, err := woocommerce.DecodeOrders([]byte(`[{},null,{"id":7,"status":"processing"},{"id":0},{"id":"-3"}]`))
	var pe *woocommerce.PageDecodeError
	if !errors.As(err, &pe) || len(pe.Failed) != 4 || len(orders) != 1 || orders[0].ID != 7 {
		t.Fatalf("orders %v, err %v", ids(orders), err)
	}
	for i, f := range pe.Failed {
		if f.ID != 0 && f.ID != -3 || f.Index != []int{0, 1, 3, 4}[i] {
			t.Fatalf("failure %d: %+v", i, f)
		}
	}
	for _, body := range []string{`{}`, `null`, `{"id":0,"status":"processing"}`} {
		if _, err := woocommerce.DecodeOrder([]byte(body)); !errors.Is(err, woocommerce.ErrDecode) {
			t.Fatalf("DecodeOrder(%s): %v", body, err)
		}
	}
	if _, err := woocommerce.DecodeProduct([]byte(`{"sku":"A"}`)); !errors.Is(err, woocommerce.ErrDecode) {
		t.Fatalf("product without id: %v", err)
	}
}
