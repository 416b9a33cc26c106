package woocommercetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pageParams validates page and per_page as WordPress does.
func pageParams(w http.ResponseWriter, q url.Values) (page, per int, ok bool) {
	page, per = 1, 10
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			invalidParam(w, "page", "page is not of type integer.")
			return 0, 0, false
		}
		if n < 1 {
			invalidParam(w, "page", "page must be greater than or equal to 1")
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			invalidParam(w, "per_page", "per_page is not of type integer.")
			return 0, 0, false
		}
		if n < 1 || n > 100 {
			invalidParam(w, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return 0, 0, false
		}
		per = n
	}
	return page, per, true
}

// listValues reads a WP array parameter: "a,b", repeated, or name[]=.
func listValues(q url.Values, name string) []string {
	var out []string
	for _, v := range append(append([]string(nil), q[name]...), q[name+"[]"]...) {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// parseDateParam reads an ISO 8601 date parameter; zoneless values are UTC
// when dates_are_gmt is set, else site time.
func (s *Server) parseDateParam(v string, isGMT bool) (time.Time, bool) {
	for _, l := range []string{dateLayout, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		loc := s.loc
		if isGMT {
			loc = time.UTC
		}
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// writePage writes a page of pre-encoded records with WP pagination headers.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, raws [][]byte, total, page, per int) {
	pages := (total + per - 1) / per
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	// Like WordPress, the links repeat every query parameter, credentials
	// included when they came in the query string.
	base := *r.URL
	base.Scheme, base.Host = "http", r.Host
	if r.TLS != nil {
		base.Scheme = "https"
	}
	link := func(p int, rel string) string {
		u := base
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	// The contract's relations: first and prev from page 2 on, next and
	// last while pages remain.
	var links []string
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, max(pages, 1)), "prev"))
	}
	if pages > page {
		links = append(links, link(page+1, "next"), link(pages, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeRaw(w, http.StatusOK, joinRaw(raws))
}

var orderByValues = []string{"date", "id", "include", "title", "slug"}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q)
	if !ok {
		return
	}
	// offset, as WP_Query takes it, overrides page.
	lo := (page - 1) * per
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			invalidParam(w, "offset", "offset is not of type integer.")
			return
		}
		lo = n
	}
	order := q.Get("order")
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		invalidParam(w, "order", "order is not one of asc and desc.")
		return
	}
	orderby := q.Get("orderby")
	if orderby == "" {
		orderby = "date"
	}
	if !slices.Contains(orderByValues, orderby) {
		invalidParam(w, "orderby", "orderby is not one of date, id, include, title and slug.")
		return
	}
	statuses := listValues(q, "status")
	s.mu.Lock()
	for i, st := range statuses {
		if st != "any" && !s.statuses[st] {
			s.mu.Unlock()
			invalidParam(w, "status", fmt.Sprintf("status[%d] is not one of any, %s.", i, strings.Join(coreStatuses, ", ")))
			return
		}
	}
	s.mu.Unlock()
	isGMT := q.Get("dates_are_gmt") == "true" || q.Get("dates_are_gmt") == "1"
	var bounds [4]time.Time
	for i, name := range []string{"after", "before", "modified_after", "modified_before"} {
		if v := q.Get(name); v != "" {
			t, ok := s.parseDateParam(v, isGMT)
			if !ok {
				invalidParam(w, name, "Invalid date.")
				return
			}
			bounds[i] = t
		}
	}
	var customer, product int64
	if v := q.Get("customer"); v != "" {
		customer, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("product"); v != "" {
		product, _ = strconv.ParseInt(v, 10, 64)
	}
	anyStatus := len(statuses) == 0 || slices.Contains(statuses, "any")

	s.mu.Lock()
	recs := s.sortedOrders(orderby, order)
	total := 0
	hi := lo + per
	raws := make([][]byte, 0, per)
	for _, rec := range recs {
		o := &rec.o
		if anyStatus {
			if o.Status == "trash" {
				continue
			}
		} else if !slices.Contains(statuses, o.Status) {
			continue
		}
		if !bounds[0].IsZero() && !rec.created.After(bounds[0]) ||
			!bounds[1].IsZero() && !rec.created.Before(bounds[1]) ||
			!bounds[2].IsZero() && !rec.modified.After(bounds[2]) ||
			!bounds[3].IsZero() && !rec.modified.Before(bounds[3]) {
			continue
		}
		if customer != 0 && o.CustomerID != customer {
			continue
		}
		if product != 0 && !slices.ContainsFunc(o.LineItems, func(l LineItem) bool { return l.ProductID == product }) {
			continue
		}
		if total >= lo && total < hi {
			raws = append(raws, rec.raw)
		}
		total++
	}
	s.mu.Unlock()
	s.writePage(w, r, raws, total, page, per)
}

// sortedOrders returns all orders in list order, cached until the next
// change. Called locked.
func (s *Server) sortedOrders(orderby, order string) []*orderRec {
	key := orderby + " " + order
	if orderby != "date" {
		key = "id " + order
	}
	if s.sorted == nil || s.sortedAt != s.version {
		s.sorted, s.sortedAt = map[string][]*orderRec{}, s.version
	}
	if recs, ok := s.sorted[key]; ok {
		return recs
	}
	recs := make([]*orderRec, 0, len(s.orders))
	for _, r := range s.orders {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *orderRec) int {
		c := 0
		if orderby == "date" {
			c = a.created.Compare(b.created)
		}
		if c == 0 {
			c = cmpInt(a.o.ID, b.o.ID)
		}
		if order == "desc" {
			c = -c
		}
		return c
	})
	s.sorted[key] = recs
	return recs
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Server) getOrder(w http.ResponseWriter, _ *http.Request, p []string) {
	id, _ := strconv.ParseInt(p[1], 10, 64)
	s.mu.Lock()
	rec, ok := s.orders[id]
	var raw []byte
	if ok {
		raw = rec.raw
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", nil)
		return
	}
	writeRaw(w, http.StatusOK, raw)
}

// PutRecord is one order update (PUT/POST/PATCH /orders/{id}) that reached
// the order handler.
type PutRecord struct {
	OrderID int64
	// Status is the status asked for ("" if the body had none).
	Status string
	// Applied tells whether the order was changed (answer 200).
	Applied bool
	Time    time.Time
}

func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request, p []string) {
	id, _ := strconv.ParseInt(p[1], 10, 64)
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	var status string
	if err == nil && in["status"] != nil {
		err = json.Unmarshal(in["status"], &status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := PutRecord{OrderID: id, Status: status, Time: s.now()}
	defer func() { s.puts = append(s.puts, pr) }()
	if err != nil {
		writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.", nil)
		return
	}
	rec, ok := s.orders[id]
	if !ok {
		// WooCommerce answers 400 (not 404) for an update of an unknown id.
		writeError(w, http.StatusBadRequest, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", nil)
		return
	}
	if in["status"] != nil && !s.statuses[status] {
		invalidParam(w, "status", "status is not one of "+strings.Join(coreStatuses, ", ")+".")
		return
	}
	if status != "" {
		s.setStatus(rec, status)
	}
	pr.Applied = true
	writeRaw(w, http.StatusOK, rec.raw)
}

// setStatus changes an order's status as WooCommerce does: date_modified
// moves, date_paid is set on processing/completed, date_completed on
// completed, and webhooks fire. Called locked.
func (s *Server) setStatus(rec *orderRec, status string) {
	now := s.now()
	o := &rec.o
	before := o.Status
	defer s.emitStatus(o.ID, before, status)
	o.Status = status
	if (status == "processing" || status == "completed") && o.DatePaidGMT == nil {
		l, g := s.local(now), gmt(now)
		o.DatePaid, o.DatePaidGMT = &l, &g
	}
	if status == "completed" {
		l, g := s.local(now), gmt(now)
		o.DateCompleted, o.DateCompletedGMT = &l, &g
	}
	s.touch(rec, now)
}

// touch marks an order modified now and re-renders it. Called locked.
func (s *Server) touch(rec *orderRec, now time.Time) {
	// Never move an order's modification time backwards (seeded orders
	// may carry future dates).
	if !now.After(rec.modified) {
		now = rec.modified
	}
	rec.modified = now
	rec.o.DateModified, rec.o.DateModifiedGMT = s.local(now), gmt(now)
	rec.raw = mustJSON(rec.o)
	s.version++
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("woocommercetest: cannot encode %T: %v", v, err)) // only our own types are encoded
	}
	return b
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q)
	if !ok {
		return
	}
	skus := listValues(q, "sku")
	s.mu.Lock()
	ids := make([]int64, 0, len(s.products))
	for id, p := range s.products {
		if len(skus) > 0 && !slices.Contains(skus, p.SKU) {
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	total := len(ids)
	raws := [][]byte{}
	for i := (page - 1) * per; i < total && i < page*per; i++ {
		raws = append(raws, mustJSON(s.products[ids[i]]))
	}
	s.mu.Unlock()
	s.writePage(w, r, raws, total, page, per)
}

func (s *Server) getProduct(w http.ResponseWriter, _ *http.Request, p []string) {
	id, _ := strconv.ParseInt(p[1], 10, 64)
	s.mu.Lock()
	prod, ok := s.products[id]
	var raw []byte
	if ok {
		raw = mustJSON(prod)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.", nil)
		return
	}
	writeRaw(w, http.StatusOK, raw)
}

// BatchRecord is one products batch request that reached the handler.
type BatchRecord struct {
	Create, Update, Delete int
	// Status is the HTTP status answered (200, 400 or 413).
	Status int
	// IdempotencyKey is the Idempotency-Key header, if any.
	IdempotencyKey string
}

type itemError struct {
	ID    int64    `json:"id"`
	Error apiError `json:"error"`
}

func (s *Server) batchProducts(w http.ResponseWriter, r *http.Request, _ []string) {
	var in struct {
		Create []map[string]json.RawMessage `json:"create"`
		Update []map[string]json.RawMessage `json:"update"`
		Delete []json.RawMessage            `json:"delete"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	br := BatchRecord{Create: len(in.Create), Update: len(in.Update), Delete: len(in.Delete), IdempotencyKey: r.Header.Get("Idempotency-Key")}
	defer func() { s.batches = append(s.batches, br) }()
	if err != nil {
		br.Status = http.StatusBadRequest
		writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.", nil)
		return
	}
	if n := len(in.Create) + len(in.Update) + len(in.Delete); n > s.batchLimit {
		br.Status = http.StatusRequestEntityTooLarge
		writeError(w, http.StatusRequestEntityTooLarge, "woocommerce_rest_request_entity_too_large",
			fmt.Sprintf("Unable to accept more than %d items for this request.", s.batchLimit), nil)
		return
	}
	out := map[string][]any{}
	now := s.now()
	for _, item := range in.Create {
		if _, has := item["id"]; has && string(item["id"]) != "0" {
			out["create"] = append(out["create"], itemError{ID: 0, Error: apiError{Code: "woocommerce_rest_product_exists", Message: "Cannot create existing product.", Data: apiErrorData{Status: 400}}})
			continue
		}
		p := &Product{Type: "simple", Status: "publish", StockStatus: "instock", Images: []Image{}, MetaData: []MetaData{}}
		if e := s.applyProduct(p, item, now); e != nil {
			out["create"] = append(out["create"], itemError{ID: 0, Error: *e})
			continue
		}
		s.lastProdID++
		p.ID = s.lastProdID
		p.DateCreated, p.DateCreatedGMT = s.local(now), gmt(now)
		if p.Slug == "" {
			p.Slug = "product-" + strconv.FormatInt(p.ID, 10)
		}
		s.products[p.ID] = p
		out["create"] = append(out["create"], p.clone())
	}
	for _, item := range in.Update {
		var id int64
		_ = json.Unmarshal(item["id"], &id)
		p, ok := s.products[id]
		if !ok {
			out["update"] = append(out["update"], itemError{ID: id, Error: apiError{Code: "woocommerce_rest_product_invalid_id", Message: "Invalid ID.", Data: apiErrorData{Status: 400}}})
			continue
		}
		next := p.clone()
		if e := s.applyProduct(&next, item, now); e != nil {
			out["update"] = append(out["update"], itemError{ID: id, Error: *e})
			continue
		}
		*p = next
		out["update"] = append(out["update"], p.clone())
	}
	for _, raw := range in.Delete {
		var id int64
		if json.Unmarshal(raw, &id) != nil {
			var sid string
			_ = json.Unmarshal(raw, &sid)
			id, _ = strconv.ParseInt(sid, 10, 64)
		}
		if id == 0 {
			continue // WooCommerce skips id 0
		}
		p, ok := s.products[id]
		if !ok {
			out["delete"] = append(out["delete"], itemError{ID: id, Error: apiError{Code: "woocommerce_rest_product_invalid_id", Message: "Invalid ID.", Data: apiErrorData{Status: 404}}})
			continue
		}
		delete(s.products, id)
		out["delete"] = append(out["delete"], p.clone())
	}
	br.Status = http.StatusOK
	writeJSON(w, http.StatusOK, out)
}

// applyProduct applies the writable fields of a batch item. Called locked.
func (s *Server) applyProduct(p *Product, item map[string]json.RawMessage, now time.Time) *apiError {
	str := func(name string, dst *string) *apiError {
		raw, ok := item[name]
		if !ok {
			return nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			var n json.Number
			if err2 := json.Unmarshal(raw, &n); err2 != nil {
				return &apiError{Code: "rest_invalid_param", Message: "Invalid parameter(s): " + name, Data: apiErrorData{Status: 400, Params: map[string]string{name: name + " is not of type string."}}}
			}
			v = n.String()
		}
		*dst = v
		return nil
	}
	if raw, ok := item["sku"]; ok {
		var sku string
		if json.Unmarshal(raw, &sku) != nil {
			return &apiError{Code: "rest_invalid_param", Message: "Invalid parameter(s): sku", Data: apiErrorData{Status: 400}}
		}
		if sku != "" {
			for id, other := range s.products {
				if id != p.ID && other.SKU == sku {
					return &apiError{Code: "product_invalid_sku", Message: "Invalid or duplicated SKU.", Data: apiErrorData{Status: 400, Params: nil}}
				}
			}
		}
		p.SKU = sku
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &p.Name}, {"regular_price", &p.RegularPrice}, {"sale_price", &p.SalePrice}, {"stock_status", &p.StockStatus},
		{"description", &p.Description}, {"short_description", &p.ShortDescription}, {"status", &p.Status}, {"type", &p.Type}, {"slug", &p.Slug}} {
		if e := str(f.name, f.dst); e != nil {
			return e
		}
	}
	for _, price := range []string{p.RegularPrice, p.SalePrice} {
		if price != "" {
			if _, err := strconv.ParseFloat(price, 64); err != nil {
				return &apiError{Code: "rest_invalid_param", Message: "Invalid parameter(s): regular_price", Data: apiErrorData{Status: 400}}
			}
		}
	}
	if raw, ok := item["manage_stock"]; ok {
		_ = json.Unmarshal(raw, &p.ManageStock)
	}
	if raw, ok := item["stock_quantity"]; ok {
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if v, err := n.Int64(); err == nil {
				p.StockQuantity = &v
			}
		} else {
			p.StockQuantity = nil
		}
	}
	if raw, ok := item["images"]; ok {
		var imgs []Image
		if json.Unmarshal(raw, &imgs) != nil {
			return &apiError{Code: "rest_invalid_param", Message: "Invalid parameter(s): images", Data: apiErrorData{Status: 400}}
		}
		for i := range imgs {
			if imgs[i].ID == 0 {
				s.lastItemID++
				imgs[i].ID = 1_000_000 + s.lastItemID
			}
		}
		if imgs == nil {
			imgs = []Image{}
		}
		p.Images = imgs
	}
	p.Price = p.RegularPrice
	if p.SalePrice != "" {
		p.Price = p.SalePrice
	}
	if p.ManageStock && p.StockQuantity != nil {
		if *p.StockQuantity > 0 {
			p.StockStatus = "instock"
		} else if p.StockStatus != "onbackorder" {
			p.StockStatus = "outofstock"
		}
	}
	p.DateModified, p.DateModifiedGMT = s.local(now), gmt(now)
	return nil
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	page, per, ok := pageParams(w, q)
	if !ok {
		return
	}
	email := strings.ToLower(q.Get("email"))
	role := q.Get("role")
	if role == "" {
		role = "customer"
	}
	s.mu.Lock()
	ids := make([]int64, 0)
	for id, c := range s.customers {
		if email != "" && strings.ToLower(c.Email) != email {
			continue
		}
		if role != "all" && c.Role != role {
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	total := len(ids)
	raws := [][]byte{}
	for i := (page - 1) * per; i < total && i < page*per; i++ {
		raws = append(raws, mustJSON(s.customers[ids[i]]))
	}
	s.mu.Unlock()
	s.writePage(w, r, raws, total, page, per)
}
