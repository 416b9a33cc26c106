package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past: go now
		{"99999999999999", 365 * 24 * time.Hour, true},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// Property: backoff never exceeds max, never goes negative, and a
// Retry-After of at most max is followed to the second.
func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		minW := time.Duration(rapid.Int64Range(1, int64(time.Second)).Draw(t, "min"))
		maxW := minW + time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "extra"))
		attempt := rapid.IntRange(0, 100).Draw(t, "attempt")
		var resp *http.Response
		ra := -1
		if rapid.Bool().Draw(t, "withResp") {
			code := rapid.SampledFrom([]int{429, 503, 500}).Draw(t, "code")
			resp = &http.Response{StatusCode: code, Header: http.Header{}}
			if rapid.Bool().Draw(t, "retryAfter") {
				ra = rapid.IntRange(0, 120).Draw(t, "seconds")
				resp.Header.Set("Retry-After", fmt.Sprint(ra))
			}
		}
		d := backoff(minW, maxW, attempt, resp)
		if d < 0 || d > maxW {
			t.Fatalf("backoff = %v outside [0, %v]", d, maxW)
		}
		if ra >= 0 && resp.StatusCode != 500 {
			want := min(time.Duration(ra)*time.Second, maxW)
			if d != want {
				t.Fatalf("Retry-After %d: backoff = %v, want %v", ra, d, want)
			}
		}
	})
}

func TestCheckRetry(t *testing.T) {
	t.Parallel()
	c := &Client{waitMax: 10 * time.Second}
	safe := context.WithValue(context.Background(), safeKey{}, true)
	unsafe := context.WithValue(context.Background(), safeKey{}, false)
	canceled, cancel := context.WithCancel(safe)
	cancel()
	resp := func(code int, ra string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		if ra != "" {
			r.Header.Set("Retry-After", ra)
		}
		return r
	}
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("connection reset")}}
	cases := []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"safe 429", safe, resp(429, ""), nil, true},
		{"safe 500", safe, resp(500, ""), nil, true},
		{"safe 503", safe, resp(503, "2"), nil, true},
		{"safe 501", safe, resp(501, ""), nil, false},
		{"safe 404", safe, resp(404, ""), nil, false},
		{"safe 200", safe, resp(200, ""), nil, false},
		{"safe 429 wait too long", safe, resp(429, "3600"), nil, false},
		{"unsafe 500", unsafe, resp(500, ""), nil, false},
		{"unsafe 429", unsafe, resp(429, ""), nil, false},
		{"unsafe dial error", unsafe, nil, dial, true},
		{"unsafe reset", unsafe, nil, reset, false},
		{"safe reset", safe, nil, reset, true},
		{"safe malformed", safe, resp(200, ""), fmt.Errorf("x: %w", errMalformedBody), true},
		{"unsafe malformed", unsafe, resp(200, ""), fmt.Errorf("x: %w", errMalformedBody), false},
		{"canceled", canceled, resp(500, ""), nil, false},
		{"no mark", context.Background(), resp(500, ""), nil, false},
	}
	for _, tc := range cases {
		got, _ := c.checkRetry(tc.ctx, tc.resp, tc.err)
		if got != tc.want {
			t.Errorf("%s: retry = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWireDecimal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		want  string
		valid bool
		err   bool
	}{
		{`"12.00"`, "12", true, false},
		{`12`, "12", true, false},
		{`4.113333333333333`, "4.113333333333333", true, false},
		{`1234567890.1234567890123`, "1234567890.1234567890123", true, false},
		{`"-10.00"`, "-10", true, false},
		{`""`, "0", false, false},
		{`null`, "0", false, false},
		{`1e2`, "100", true, false},
		{`true`, "", false, true},
		{`"abc"`, "", false, true},
		{`{}`, "", false, true},
	}
	for _, c := range cases {
		var w wireDecimal
		err := w.UnmarshalJSON([]byte(c.in))
		if (err != nil) != c.err {
			t.Errorf("%s: err = %v, want error %v", c.in, err, c.err)
			continue
		}
		if c.err {
			continue
		}
		if !w.d.Equal(decimal.RequireFromString(c.want)) || w.valid != c.valid {
			t.Errorf("%s: got %s valid=%v, want %s valid=%v", c.in, w.d, w.valid, c.want, c.valid)
		}
	}
}

func TestRedactLink(t *testing.T) {
	t.Parallel()
	in := `<http://h/wp-json/wc/v3/orders?consumer_key=ck_1&consumer_secret=cs_2&page=1>; rel="prev", <http://h/wp-json/wc/v3/orders?consumer_secret=cs_2&page=3>; rel="next"`
	got := redactLink(in)
	if strings.Contains(got, "cs_2") || strings.Contains(got, "ck_1") {
		t.Fatalf("credentials left in %q", got)
	}
	if !strings.Contains(got, `page=3>; rel="next"`) || !strings.Contains(got, `page=1>; rel="prev"`) {
		t.Fatalf("links damaged: %q", got)
	}
	if got := redactLink(`<http://h/?consumer_secret=cs_2`); strings.Contains(got, "cs_2") {
		t.Fatalf("unterminated link leaked: %q", got)
	}
}

func FuzzParseErrorBody(f *testing.F) {
	f.Add([]byte(`{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}`))
	f.Add([]byte(`{"code":"rest_invalid_param","message":"Invalid parameter(s): per_page","data":{"status":400,"params":{"per_page":"per_page must be between 1 (inclusive) and 100 (inclusive)"}}}`))
	f.Add([]byte(`<html>502 Bad Gateway</html>`))
	f.Add([]byte(`{"code":1,"data":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		parseErrorBody(body)
		redactLink(string(body))
	})
}

func FuzzDecodeCustomers(f *testing.F) {
	f.Add([]byte(`[{"id":25,"date_created":"2017-03-21T16:09:28","date_created_gmt":"2017-03-21T19:09:28","email":"john.doe@example.com",
		"first_name":"John","last_name":"Doe","role":"customer","username":"john.doe","billing":{"first_name":"John","email":"john.doe@example.com"},
		"shipping":null,"is_paying_customer":false,"meta_data":[{"id":1,"key":"k","value":{"a":[1]}}]}]`))
	for _, s := range []string{`[]`, `[{}]`, `[null]`, `{}`, `[{"id":"7","email":7}]`, `[{"date_modified_gmt":"yesterday"}]`, `[{"billing":[]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := decodeCustomers(data)
		var raws []json.RawMessage
		if json.Unmarshal(data, &raws) != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("not an array, err %v", err)
			}
			return
		}
		failed := 0
		var pe *PageDecodeError
		if errors.As(err, &pe) {
			failed = len(pe.Failed)
		} else if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if len(cs)+failed != len(raws) {
			t.Fatalf("%d decoded + %d failed != %d records", len(cs), failed, len(raws))
		}
		for _, c := range cs {
			for _, tm := range []time.Time{c.DateCreated, c.DateModified} {
				if !tm.IsZero() && tm.Location() != time.UTC {
					t.Fatalf("non-UTC time %v", tm)
				}
			}
		}
	})
}

func FuzzDecodeBatchAnswer(f *testing.F) {
	if b, err := os.ReadFile("testdata/product_batch_response.json"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"update":[{}]}`, `{"create":[null],"delete":[{"id":3}]}`,
		`{"update":[{"id":1,"error":{"code":"x","message":"m","data":[]}}]}`, `{"update":[{"id":1,"error":null}]}`,
		`{"update":[{"id":2,"error":{"data":{"status":"400","params":[1]}}}]}`, `{"delete":[{"id":799,"regular_price":"x"}]}`} {
		f.Add([]byte(s))
	}
	sent := map[string][]batchItem{
		"update": {{op: "update", index: 0, id: 1, w: ProductWrite{ID: 1, SKU: Ptr("A")}}, {op: "update", index: 1, id: 2}},
		"delete": {{op: "delete", index: 0, id: 3}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var res BatchResult
		err := decodeBatchAnswer(data, sent, &res, &http.Response{StatusCode: 200}, "https://shop.example/wp-json/wc/v3/products/batch",
			func(s string) string { return s })
		var w wireBatchResponse
		if json.Unmarshal(data, &w) != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("not a batch answer, err %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if got, want := len(res.Created)+len(res.Updated)+len(res.Deleted)+len(res.Failed), len(w.Create)+len(w.Update)+len(w.Delete); got != want {
			t.Fatalf("%d items accounted for, the answer holds %d", got, want)
		}
		for _, fe := range res.Failed {
			if fe.Err == nil || fe.Error() == "" || fe.Err.StatusCode == 0 {
				t.Fatalf("failure without an error: %+v", fe)
			}
		}
		for _, ps := range [][]Product{res.Created, res.Updated, res.Deleted} {
			for _, p := range ps {
				if p.ID <= 0 {
					t.Fatalf("product without id accepted: %+v", p)
				}
			}
		}
	})
}
