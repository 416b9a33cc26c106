package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// APIPath is the REST namespace every call goes to, below the site URL.
const APIPath = "/wp-json/wc/v3"

// MaxPerPage is the largest page WooCommerce serves; larger per_page
// values are refused with 400 rest_invalid_param.
const MaxPerPage = 100

// MaxBatchItems is the number of items (create + update + delete) one batch
// request may carry; more are refused with 413.
const MaxBatchItems = 100

// Config tunes a Client. The zero value is ready to use; each field documents
// its zero value.
type Config struct {
	// HTTPClient is copied, never mutated; its Transport is wrapped to add
	// credentials. Nil: a client with a clone of http.DefaultTransport.
	HTTPClient *http.Client
	// QueryStringAuth sends consumer_key and consumer_secret in the query
	// string instead of HTTP Basic, for servers that drop the Authorization
	// header. Zero: HTTP Basic.
	QueryStringAuth bool
	// AllowInsecureHTTP lets a plain http:// site URL through: the
	// consumer key and secret then travel in the clear (HTTP Basic or the
	// query string), loopback included. A real WooCommerce site ignores
	// them without HTTPS (it wants OAuth 1.0a there, which this client
	// does not implement), unless a TLS-terminating proxy stands in front
	// of it and WordPress is told so; it is meant for tests
	// (woocommercetest.WithTLSProxy). Zero: a plain http URL is refused
	// with a *ConfigError.
	AllowInsecureHTTP bool
	// OAuth1 signs the requests to a plain http site URL with OAuth 1.0a
	// (HMAC-SHA256), which is what WooCommerce wants without HTTPS: the
	// consumer secret never travels, but orders and customers' data do,
	// in the clear. It has no effect on an https URL. Zero: a plain http
	// URL is refused (unless AllowInsecureHTTP).
	OAuth1 bool
	// RetryMax is how many times a failed request is retried. Zero: 4.
	// Negative: never retry.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts. Zero: 500ms and 30s. A Retry-After longer than RetryWaitMax
	// ends the retries: the error then carries the server's RetryAfter.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds each attempt, from dialling to the last body byte.
	// Zero: HTTPClient.Timeout if set, else 30s. Negative: none (the
	// context alone bounds the call).
	Timeout time.Duration
	// Logger receives debug records of requests and retries (URLs never
	// carry credentials). Nil: no logging at all.
	Logger *slog.Logger
	// UserAgent is sent with every request. Zero: "omnisales-woocommerce/1".
	UserAgent string
	// MaxResponseBytes bounds a success body. Zero: 64 MiB.
	MaxResponseBytes int64
}

// Client talks to one WooCommerce site's REST API v3. It is safe for
// concurrent use; build it once with NewClient.
type Client struct {
	// Orders reads orders and pushes their status.
	Orders *OrdersService
	// Products finds products by SKU and pushes catalogue changes in batches.
	Products *ProductsService
	// Customers finds customers by email.
	Customers *CustomersService

	base     *url.URL // site URL + APIPath, with a trailing slash
	rc       *retryablehttp.Client
	ua       string
	maxBody  int64
	waitMax  time.Duration
	redactor *strings.Replacer
}

// NewClient returns a client for the site at siteURL (e.g.
// "https://shop.example.com" or "https://example.com/shop"; a URL already
// ending in /wp-json/wc/v3 is accepted too) authenticating with the REST
// API consumer key and secret.
//
// Credentials go only to the site URL's scheme and host: a redirect to
// another host or to https from http is followed without them (and then
// usually fails with ErrUnauthorized), so give the final URL.
//
// It fails with a *ConfigError (errors.Is ErrInvalidOptions) if a
// credential is empty, or the URL is not absolute https, holds user info,
// or is plain http without Config.AllowInsecureHTTP: the keys are never
// sent in the clear by default, not even to loopback.
func NewClient(siteURL, consumerKey, consumerSecret string, cfg Config) (*Client, error) {
	if consumerKey == "" || consumerSecret == "" {
		return nil, &ConfigError{Field: "credentials", Reason: "consumer key and secret are required"}
	}
	u, err := url.Parse(strings.TrimSpace(siteURL))
	if err != nil {
		return nil, &ConfigError{Field: "site URL", Reason: err.Error()}
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, &ConfigError{Field: "site URL", Reason: fmt.Sprintf("must be absolute https, got %q", u.Redacted())}
	}
	if u.User != nil {
		return nil, &ConfigError{Field: "site URL", Reason: "must not carry user info"}
	}
	oauth := u.Scheme == "http" && cfg.OAuth1
	if u.Scheme == "http" && !oauth && !cfg.AllowInsecureHTTP {
		return nil, &ConfigError{Field: "site URL", Insecure: true, Reason: fmt.Sprintf(
			"plain http to %s would send the consumer key and secret in the clear, and WooCommerce ignores them there: use https, or Config.OAuth1 to sign the requests (Config.AllowInsecureHTTP is for tests)", u.Host)}
	}
	u.RawQuery, u.Fragment = "", ""
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, APIPath) {
		p += APIPath
	}
	u.Path = p + "/"
	u.RawPath = ""

	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient // copy: never mutate the caller's client
	}
	base := hc.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		base = t
	}
	hc.Transport = &authTransport{
		base: base, scheme: u.Scheme, host: u.Host,
		key: consumerKey, secret: consumerSecret, query: cfg.QueryStringAuth, oauth: oauth,
	}
	switch {
	case cfg.Timeout > 0:
		hc.Timeout = cfg.Timeout
	case cfg.Timeout < 0:
		hc.Timeout = 0
	case hc.Timeout == 0:
		hc.Timeout = 30 * time.Second
	}

	c := &Client{
		base:     u,
		ua:       cfg.UserAgent,
		maxBody:  cfg.MaxResponseBytes,
		redactor: strings.NewReplacer(consumerSecret, "[REDACTED]", consumerKey, "[REDACTED]"),
	}
	if c.ua == "" {
		c.ua = "omnisales-woocommerce/1"
	}
	if c.maxBody <= 0 {
		c.maxBody = 64 << 20
	}
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry:   c.checkRetry,
		Backoff:      backoff,
		// Hand back the last answer or error, so callers get a typed *Error
		// rather than "giving up after N attempts".
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if rc.RetryWaitMin <= 0 {
		rc.RetryWaitMin = 500 * time.Millisecond
	}
	if rc.RetryWaitMax <= 0 {
		rc.RetryWaitMax = 30 * time.Second
	}
	if rc.RetryWaitMax < rc.RetryWaitMin {
		rc.RetryWaitMax = rc.RetryWaitMin
	}
	switch {
	case rc.RetryMax == 0:
		rc.RetryMax = 4
	case rc.RetryMax < 0:
		rc.RetryMax = 0
	}
	if cfg.Logger != nil {
		// Left nil otherwise: retryablehttp's default logger writes to stderr.
		rc.Logger = slogAdapter{cfg.Logger}
	}
	c.rc = rc
	c.waitMax = rc.RetryWaitMax
	c.Orders = &OrdersService{c: c}
	c.Products = &ProductsService{c: c}
	c.Customers = &CustomersService{c: c}
	return c, nil
}

// BaseURL returns the API base (site URL + /wp-json/wc/v3/).
func (c *Client) BaseURL() string { return c.base.String() }

// Response wraps the HTTP answer of a call with WooCommerce's pagination
// headers. Its Body is already read and closed.
type Response struct {
	*http.Response
	// Total is X-WP-Total, the number of matching records; -1 if absent.
	Total int
	// TotalPages is X-WP-TotalPages; -1 if absent.
	TotalPages int
	// Page and PerPage are those of the request (list calls only).
	Page, PerPage int
	// NextPage is Page+1 if more pages remain, else 0.
	NextPage int
}

func newResponse(r *http.Response, page, perPage int) *Response {
	resp := &Response{Response: sanitizeResponse(r), Total: -1, TotalPages: -1, Page: page, PerPage: perPage}
	if v, err := strconv.Atoi(r.Header.Get("X-WP-Total")); err == nil {
		resp.Total = v
	}
	if v, err := strconv.Atoi(r.Header.Get("X-WP-TotalPages")); err == nil {
		resp.TotalPages = v
	}
	if page > 0 && resp.TotalPages > page {
		resp.NextPage = page + 1
	}
	return resp
}

// authTransport adds the credentials at the last moment, on a clone, and
// only for the site's own scheme and host: URLs seen by retryablehttp, its
// logger, url.Error and redirects to other hosts never carry them.
type authTransport struct {
	base         http.RoundTripper
	scheme, host string
	key, secret  string
	query        bool
	oauth        bool // sign with OAuth 1.0a (plain http, Config.OAuth1)
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if t.oauth {
		// Signed at every attempt, so a retry has its own nonce and time.
		signOAuth(r.Method, r.URL, t.key, t.secret, time.Now())
	} else if t.query {
		q := r.URL.Query()
		q.Set("consumer_key", t.key)
		q.Set("consumer_secret", t.secret)
		r.URL.RawQuery = q.Encode()
	} else {
		r.SetBasicAuth(t.key, t.secret)
	}
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base.
func (t *authTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func stripCredentials(u *url.URL) *url.URL {
	v := *u
	v.User = nil
	if v.RawQuery != "" {
		q := v.Query()
		changed := false
		for k := range q {
			if k == "consumer_key" || k == "consumer_secret" || strings.HasPrefix(k, "oauth_") {
				q.Del(k)
				changed = true
			}
		}
		if changed {
			v.RawQuery = q.Encode()
		}
	}
	return &v
}

// safeKey marks, in the request context, whether a request may be sent again
// after an answer or an ambiguous failure (idempotent).
type safeKey struct{}

// errMalformedBody is returned by the response handler for a 2xx answer
// whose body is not valid JSON (e.g. truncated); such reads are retried.
var errMalformedBody = errors.New("body is not valid JSON")

// checkRetry decides retries: 429, 5xx (but 501), timeouts, connection
// errors and truncated bodies are retried for safe requests; unsafe writes
// are retried only when the request never left (dial errors).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	safe, _ := ctx.Value(safeKey{}).(bool)
	if err != nil {
		if errors.Is(err, errMalformedBody) {
			return safe, nil
		}
		if errors.Is(err, ErrMalformedResponse) {
			return false, nil // e.g. an oversized body: the same again
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			msg := ue.Err.Error()
			if strings.Contains(msg, "stopped after") || strings.Contains(msg, "unsupported protocol scheme") ||
				strings.Contains(msg, "invalid header") || strings.Contains(msg, "certificate") {
				return false, nil
			}
		}
		if safe {
			return true, nil
		}
		var oe *net.OpError
		return errors.As(err, &oe) && oe.Op == "dial", nil
	}
	if resp == nil {
		return false, nil
	}
	code := resp.StatusCode
	if code != http.StatusTooManyRequests && (code < 500 || code == http.StatusNotImplemented) {
		return false, nil
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d > c.waitMax {
		return false, nil // the server wants a longer pause than we may wait
	}
	return safe, nil
}

// backoff honours Retry-After on 429 and 503 (checkRetry already refused
// waits above the maximum), else grows exponentially from min with jitter,
// never above max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min2(d, max)
		}
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min2(d, max)
	// Equal jitter: half fixed, half random, so concurrent clients spread out.
	half := d / 2
	if half > 0 {
		d = half + rand.N(half+1)
	}
	return d
}

func min2(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// call is one API call.
type call struct {
	method  string
	path    []string
	query   url.Values
	body    any
	safe    bool
	header  http.Header
	page    int
	perPage int
}

// do sends a call and returns the success body. Non-2xx answers become
// *Error; transport failures wrap ErrUnreachable; bad bodies wrap
// ErrMalformedResponse; a done context returns its error.
func (c *Client) do(ctx context.Context, cl call) ([]byte, *Response, error) {
	u := c.base.JoinPath(cl.path...)
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	safeURL := u.String()
	var raw any
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, nil, fmt.Errorf("woocommerce: %s %s: encode body: %w", cl.method, safeURL, err)
		}
		raw = b
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, safeKey{}, cl.safe), cl.method, safeURL, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("woocommerce: %s %s: %w", cl.method, safeURL, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	var body []byte
	req.SetResponseHandler(func(r *http.Response) error {
		if r.StatusCode < 200 || r.StatusCode > 299 {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return err // a cut connection mid-body: retried like any transport error
		}
		if int64(len(b)) > c.maxBody {
			return fmt.Errorf("%w: body larger than %d bytes", ErrMalformedResponse, c.maxBody)
		}
		if !json.Valid(b) {
			return fmt.Errorf("%w (%d bytes)", errMalformedBody, len(b))
		}
		body = b
		return nil
	})

	resp, err := c.rc.Do(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, fmt.Errorf("woocommerce: %s %s: %w", cl.method, safeURL, ctxErr)
		}
		msg := c.redactor.Replace(err.Error())
		switch {
		case errors.Is(err, errMalformedBody), errors.Is(err, ErrMalformedResponse):
			var r *Response
			if resp != nil {
				r = newResponse(resp, cl.page, cl.perPage)
			}
			return nil, r, fmt.Errorf("woocommerce: %s %s: %w: %s", cl.method, safeURL, ErrMalformedResponse, msg)
		default:
			// Connection errors and per-attempt timeouts (the caller's own
			// deadline was handled above): the store did not answer.
			return nil, nil, fmt.Errorf("woocommerce: %s %s: %w: %s", cl.method, safeURL, ErrUnreachable, msg)
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, newError(resp, cl.method, safeURL, c.redactor.Replace, time.Now())
	}
	resp.Body.Close()
	r := newResponse(resp, cl.page, cl.perPage)
	if body == nil {
		return nil, r, fmt.Errorf("woocommerce: %s %s: %w: empty body", cl.method, safeURL, ErrMalformedResponse)
	}
	return body, r, nil
}

// slogAdapter gives retryablehttp a LeveledLogger over slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Error(msg string, kv ...interface{}) { a.l.Error(msg, kv...) }
func (a slogAdapter) Info(msg string, kv ...interface{})  { a.l.Info(msg, kv...) }
func (a slogAdapter) Debug(msg string, kv ...interface{}) { a.l.Debug(msg, kv...) }
func (a slogAdapter) Warn(msg string, kv ...interface{})  { a.l.Warn(msg, kv...) }

var _ retryablehttp.LeveledLogger = slogAdapter{}
