package woocommercetest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// APIPath is the REST namespace served below the site URL.
const APIPath = "/wp-json/wc/v3"

// Default credentials accepted by a server built without WithCredentials.
const (
	DefaultConsumerKey    = "ck_fake_0123456789abcdef"
	DefaultConsumerSecret = "cs_fake_fedcba9876543210"
)

// dateLayout is how WooCommerce writes dates: no zone.
const dateLayout = "2006-01-02T15:04:05"

// coreStatuses are the order statuses WooCommerce registers.
var coreStatuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft", "trash"}

// Server is a fake WooCommerce site on an httptest.Server. Its state lives in
// memory; every method is safe for concurrent use, and values go in and out
// as copies.
type Server struct {
	// URL is the site URL to give to woocommerce.NewClient (it includes the
	// path prefix, if any).
	URL string
	// ConsumerKey and ConsumerSecret are the credentials the server accepts.
	ConsumerKey, ConsumerSecret string

	hs     *httptest.Server
	prefix string
	// keysOverHTTP: the site believes plain http requests came over
	// HTTPS (WithTLSProxy).
	keysOverHTTP bool
	quit         chan struct{}
	closeOnce    sync.Once
	hookc        *http.Client

	mu     sync.Mutex
	loc    *time.Location
	manual bool
	clock  time.Time
	// nonces are the OAuth 1.0a nonces seen in the last 15 minutes.
	nonces     map[string]time.Time
	statuses   map[string]bool
	batchLimit int

	orders       map[int64]*orderRec
	products     map[int64]*Product
	customers    map[int64]*Customer
	lastOrderID  int64
	lastProdID   int64
	lastCustID   int64
	lastItemID   int64
	version      uint64
	sorted       map[string][]*orderRec
	sortedAt     uint64
	faults       []*Fault
	rates        *FaultRates
	rng          *rand.Rand
	requests     []RequestRecord
	puts         []PutRecord
	batches      []BatchRecord
	nextDelivery int64

	// Webhooks (webhook.go): the registered ones, the deliveries waiting
	// for the delivery goroutine (started by the first AddWebhook) and
	// the log of attempts.
	hooks      []*Webhook
	lastHookID int64
	hookQueue  []hookEvent
	hookBusy   bool
	hookLog    []WebhookRecord
	hookOnce   sync.Once
	hookWake   chan struct{}
	hookDone   chan struct{} // closed when the delivery goroutine ends
}

type orderRec struct {
	o        Order
	raw      []byte
	created  time.Time
	modified time.Time
}

// Option configures a Server.
type Option func(*config)

type config struct {
	key, secret string
	prefix      string
	plain       bool // serve plain http
	proxied     bool // plain http behind a TLS-terminating proxy
	loc         *time.Location
	clock       *time.Time
	statuses    []string
	batchLimit  int
}

// WithCredentials sets the consumer key and secret the server accepts.
func WithCredentials(key, secret string) Option {
	return func(c *config) { c.key, c.secret = key, secret }
}

// WithPathPrefix serves the site below a path, e.g. "/shop": the API is then
// at /shop/wp-json/wc/v3, which catches clients that build absolute paths.
func WithPathPrefix(prefix string) Option {
	return func(c *config) { c.prefix = "/" + strings.Trim(prefix, "/") }
}

// WithTLS serves over HTTPS with httptest's self-signed certificate (the
// default); give Server.HTTPClient to the client under test.
func WithTLS() Option { return func(c *config) { c.plain, c.proxied = false, false } }

// WithPlainHTTP serves plain http, where a real site takes no keys: HTTP
// Basic and consumer_key/consumer_secret in the query are ignored (as
// WooCommerce ignores them without HTTPS), so such a request is refused
// with 401 woocommerce_rest_cannot_view (reads) or
// woocommerce_rest_cannot_edit (writes). A request signed with OAuth 1.0a
// (woocommerce.Config.OAuth1) is checked as WooCommerce checks it; a bad
// signature, an old timestamp or a nonce used twice is refused with 401
// woocommerce_rest_authentication_error. It catches a client that sends
// keys in the clear.
func WithPlainHTTP() Option { return func(c *config) { c.plain, c.proxied = true, false } }

// WithTLSProxy serves plain http as a site behind a TLS-terminating proxy
// would see it, WordPress being told the requests came over HTTPS: keys
// are accepted. Use it to watch the traffic, with a client that allows
// plain http (woocommerce.Config.AllowInsecureHTTP).
func WithTLSProxy() Option { return func(c *config) { c.plain, c.proxied = true, true } }

// WithLocation sets the site's time zone, used for the zoneless local date
// fields. Default: a fixed UTC+02:00 zone, so local and _gmt differ.
func WithLocation(loc *time.Location) Option { return func(c *config) { c.loc = loc } }

// WithClock starts a manual clock at start: time moves only with Advance.
// Default: the wall clock.
func WithClock(start time.Time) Option {
	return func(c *config) { t := start.UTC().Truncate(time.Second); c.clock = &t }
}

// WithStatuses registers extra order statuses (plugin statuses such as
// "shipped"), accepted by filters and updates.
func WithStatuses(extra ...string) Option {
	return func(c *config) { c.statuses = append(c.statuses, extra...) }
}

// WithBatchLimit changes the batch item limit (WooCommerce's
// woocommerce_rest_batch_items_limit filter). Default 100.
func WithBatchLimit(n int) Option { return func(c *config) { c.batchLimit = n } }

// NewServer starts a fake WooCommerce site and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// New starts a fake WooCommerce site; call Close when done. Use it outside
// tests (examples, demos); in tests NewServer closes it for you.
func New(opts ...Option) *Server {
	cfg := config{key: DefaultConsumerKey, secret: DefaultConsumerSecret, batchLimit: 100, loc: time.FixedZone("UTC+2", 2*3600)}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		ConsumerKey:    cfg.key,
		ConsumerSecret: cfg.secret,
		prefix:         cfg.prefix,
		quit:           make(chan struct{}),
		loc:            cfg.loc,
		statuses:       map[string]bool{},
		batchLimit:     cfg.batchLimit,
		orders:         map[int64]*orderRec{},
		products:       map[int64]*Product{},
		customers:      map[int64]*Customer{},
		hookc:          &http.Client{Timeout: 30 * time.Second},
	}
	for _, st := range append(append([]string(nil), coreStatuses...), cfg.statuses...) {
		s.statuses[st] = true
	}
	if cfg.clock != nil {
		s.manual, s.clock = true, *cfg.clock
	}
	s.keysOverHTTP = cfg.proxied
	if cfg.plain {
		s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	} else {
		s.hs = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	}
	s.URL = s.hs.URL + s.prefix
	return s
}

// Close stops webhook deliveries, releases requests hung by timeout faults
// and shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.mu.Lock()
		done := s.hookDone
		s.mu.Unlock()
		if done != nil {
			<-done // an attempt in flight ends with its context
		}
		s.hs.Close()
	})
}

// HTTPClient returns an *http.Client that trusts the server's certificate
// (needed over HTTPS, the default; harmless otherwise). It is a fresh
// client per call.
func (s *Server) HTTPClient() *http.Client {
	c := *s.hs.Client()
	return &c
}

// Now returns the server's current time (UTC, whole seconds).
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) now() time.Time {
	if s.manual {
		return s.clock
	}
	return time.Now().UTC().Truncate(time.Second)
}

// Advance moves the manual clock (WithClock) forward. With the wall clock
// it does nothing.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.manual {
		s.clock = s.clock.Add(d).Truncate(time.Second)
	}
}

func (s *Server) local(t time.Time) string { return t.In(s.loc).Format(dateLayout) }
func gmt(t time.Time) string               { return t.UTC().Format(dateLayout) }

// RequestRecord is one request the server received.
type RequestRecord struct {
	Method string
	// Path is the route below /wp-json/wc/v3, e.g. "/orders/12".
	Path string
	// Query is the query string without credentials.
	Query url.Values
	// Status is the HTTP status answered (0 if the client gave up first).
	Status int
	// Auth is how credentials came: "basic", "query", "oauth" (OAuth 1.0a
	// parameters, valid or not) or "" (none).
	Auth string
	// Fault is the fault injected into this request, or 0.
	Fault FaultKind
	Time  time.Time
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// RequestCount counts logged requests with this method (or "" for any) and
// route path (or "" for any).
func (s *Server) RequestCount(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (method == "" || r.Method == method) && (path == "" || r.Path == path) {
			n++
		}
	}
	return n
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	base := s.prefix + APIPath
	if r.URL.Path != base && !strings.HasPrefix(r.URL.Path, base+"/") {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", nil)
		return
	}
	route := strings.TrimPrefix(r.URL.Path, base)
	q := r.URL.Query()
	auth := ""
	if _, _, ok := r.BasicAuth(); ok {
		auth = "basic"
	} else if q.Has("consumer_key") || q.Has("consumer_secret") {
		auth = "query"
	} else if _, signed := oauthParams(r); signed {
		auth = "oauth"
	}
	q.Del("consumer_key")
	q.Del("consumer_secret")
	for k := range q {
		if strings.HasPrefix(k, "oauth_") {
			q.Del(k)
		}
	}
	sw := &statusWriter{ResponseWriter: w}

	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, RequestRecord{Method: r.Method, Path: route, Query: q, Auth: auth, Time: s.now()})
	f := s.pickFault(r.Method, route, q)
	if f != nil {
		s.requests[idx].Fault = f.Kind
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = sw.status
		s.mu.Unlock()
	}()

	if f != nil && f.Before != nil {
		f.Before(s)
	}
	if f != nil && f.Kind != 0 && !f.AfterApply {
		if s.applyFault(sw, r, f, nil) {
			return
		}
	}
	if f != nil && f.Kind != 0 && f.AfterApply {
		rec := httptest.NewRecorder()
		s.route(rec, r, route)
		s.applyFault(sw, r, f, rec)
		return
	}
	s.route(sw, r, route)
}

// route authenticates and dispatches one API request.
func (s *Server) route(w http.ResponseWriter, r *http.Request, route string) {
	authed, bad := s.authenticate(r)
	if bad != "" {
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", bad, nil)
		return
	}
	parts := strings.Split(strings.Trim(route, "/"), "/")
	h, ok := s.match(r.Method, parts)
	if !ok {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", nil)
		return
	}
	if !authed {
		if r.Method == http.MethodGet {
			writeError(w, http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", nil)
		} else {
			writeError(w, http.StatusUnauthorized, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.", nil)
		}
		return
	}
	h(w, r, parts)
}

type handler func(w http.ResponseWriter, r *http.Request, parts []string)

func isID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) match(method string, p []string) (handler, bool) {
	edit := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	switch {
	case len(p) == 1 && p[0] == "orders" && method == http.MethodGet:
		return s.listOrders, true
	case len(p) == 2 && p[0] == "orders" && isID(p[1]) && method == http.MethodGet:
		return s.getOrder, true
	case len(p) == 2 && p[0] == "orders" && isID(p[1]) && edit:
		return s.updateOrder, true
	case len(p) == 1 && p[0] == "products" && method == http.MethodGet:
		return s.listProducts, true
	case len(p) == 2 && p[0] == "products" && p[1] == "batch" && edit:
		return s.batchProducts, true
	case len(p) == 2 && p[0] == "products" && isID(p[1]) && method == http.MethodGet:
		return s.getProduct, true
	case len(p) == 1 && p[0] == "customers" && method == http.MethodGet:
		return s.listCustomers, true
	}
	return nil, false
}

// authenticate reads HTTP Basic or consumer_key/consumer_secret query
// values over HTTPS (or behind WithTLSProxy). It returns whether valid
// credentials came, or the refusal text for wrong ones. Over plain http
// it ignores them, as WooCommerce does, and checks OAuth 1.0a instead
// (see checkOAuth); a request with neither is anonymous.
func (s *Server) authenticate(r *http.Request) (ok bool, refusal string) {
	if r.TLS == nil && !s.keysOverHTTP {
		params, signed := oauthParams(r)
		if !signed {
			return false, ""
		}
		if refusal := s.checkOAuth(r, params); refusal != "" {
			return false, refusal
		}
		return true, ""
	}
	key, secret, basic := r.BasicAuth()
	if !basic {
		q := r.URL.Query()
		key, secret = q.Get("consumer_key"), q.Get("consumer_secret")
		if key == "" && secret == "" {
			return false, ""
		}
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.ConsumerKey)) != 1 {
		return false, "Consumer key is invalid."
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(s.ConsumerSecret)) != 1 {
		return false, "Invalid signature - provided signature does not match."
	}
	return true, ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_server_error", err.Error(), nil)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string, params map[string]string) {
	writeJSON(w, status, apiError{Code: code, Message: msg, Data: apiErrorData{Status: status, Params: params}})
}

func invalidParam(w http.ResponseWriter, name, reason string) {
	writeError(w, http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): "+name, map[string]string{name: reason})
}

// joinRaw renders pre-encoded records as a JSON array.
func joinRaw(raws [][]byte) []byte {
	n := 2
	for _, r := range raws {
		n += len(r) + 1
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteByte('[')
	for i, r := range raws {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r)
	}
	b.WriteByte(']')
	return b.Bytes()
}
