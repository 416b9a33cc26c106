package woocommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel kinds. Test with errors.Is; the detail is in an *Error (errors.As).
var (
	// ErrNotFound: the resource does not exist (HTTP 404, or a
	// "woocommerce_rest_*_invalid_id" code, which WooCommerce answers with 400
	// on updates and 404 on reads), or a look-up by SKU or email found nothing.
	ErrNotFound = errors.New("woocommerce: not found")
	// ErrUnauthorized: the consumer key or secret was refused (HTTP 401 or 403).
	ErrUnauthorized = errors.New("woocommerce: unauthorized")
	// ErrRateLimited: the site or a proxy answered 429 and retries ran out or
	// the server asked to wait longer than Config.RetryWaitMax.
	ErrRateLimited = errors.New("woocommerce: rate limited")
	// ErrServer: the site answered 5xx and retries ran out (or the request
	// was not safe to retry).
	ErrServer = errors.New("woocommerce: server error")
	// ErrBadRequest: the site refused the request as invalid (HTTP 400,
	// e.g. rest_invalid_param).
	ErrBadRequest = errors.New("woocommerce: bad request")
	// ErrTooLarge: the site refused a batch with too many items (HTTP 413).
	ErrTooLarge = errors.New("woocommerce: request entity too large")
	// ErrUnreachable: no HTTP answer: connection refused or reset, DNS
	// failure, or a per-attempt timeout, after retries.
	ErrUnreachable = errors.New("woocommerce: store unreachable")
	// ErrMalformedResponse: a 2xx answer whose body is not the JSON expected.
	ErrMalformedResponse = errors.New("woocommerce: malformed response")
	// ErrInvalidOptions: the call was refused client-side before any request
	// (e.g. per_page above 100, a non-positive id, an empty status).
	ErrInvalidOptions = errors.New("woocommerce: invalid options")
	// ErrDecode: a record in an otherwise valid answer could not be decoded;
	// the detail is a *DecodeError.
	ErrDecode = errors.New("woocommerce: cannot decode record")
)

// ConfigError is NewClient's refusal of its arguments: which one and why.
// errors.As target: *ConfigError; it wraps ErrInvalidOptions.
type ConfigError struct {
	// Field names the argument: "credentials" or "site URL".
	Field string
	// Reason says what is wrong with it.
	Reason string
	// Insecure marks a plain http site URL refused because the keys would
	// travel in the clear (see Config.AllowInsecureHTTP).
	Insecure bool
}

// Error says which argument is wrong and why: "woocommerce: invalid site
// URL: must not carry user info".
func (e *ConfigError) Error() string { return "woocommerce: invalid " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalidOptions.
func (e *ConfigError) Unwrap() error { return ErrInvalidOptions }

// Error is an error answer from the WooCommerce REST API, decoded from its
// body {"code","message","data":{"status"}}. Use errors.As(err, &e) with
// e of type *Error; errors.Is(err, ErrNotFound) and the other kinds work too.
//
// Error text and fields never hold the consumer key or secret.
type Error struct {
	// Response is the HTTP answer. Its Request carries no credentials and
	// its Body is already read and closed.
	Response *http.Response
	// StatusCode is the HTTP status (or data.status for per-item batch errors).
	StatusCode int
	// Code is WooCommerce's machine code, e.g. "woocommerce_rest_shop_order_invalid_id".
	Code string
	// Message is the human text from the site (localised by the site).
	Message string
	// Params holds data.params, the per-parameter reasons of a rest_invalid_param.
	Params map[string]string
	// RetryAfter is the wait the server asked for with Retry-After (zero if none).
	RetryAfter time.Duration
	// Method and URL say which call failed; URL has no credentials.
	Method, URL string
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("woocommerce: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// RetryAfterHint returns RetryAfter, the wait the server asked for: it
// makes *Error a channels.RetryHinter, so the sync engine never retries
// sooner than the site asked, even when the client itself gave up because
// the wait exceeded Config.RetryWaitMax.
func (e *Error) RetryAfterHint() time.Duration { return e.RetryAfter }

// Is reports whether e belongs to the kind target (ErrNotFound, ErrUnauthorized,
// ErrRateLimited, ErrServer, ErrBadRequest, ErrTooLarge).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || strings.HasSuffix(e.Code, "_invalid_id")
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	}
	return false
}

// DecodeError reports one record (an order, a product) that could not be
// decoded from an answer that was otherwise good. errors.Is(err, ErrDecode)
// holds.
type DecodeError struct {
	// What is the kind of record: "order", "product", "customer".
	What string
	// Index is the record's position in the page (0 for single records).
	Index int
	// ID is the record's id when it could be read, else 0.
	ID int64
	// Raw is the record's JSON as received.
	Raw json.RawMessage
	// Err is the decoding failure.
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	if e.ID != 0 {
		return fmt.Sprintf("woocommerce: cannot decode %s %d (index %d): %v", e.What, e.ID, e.Index, e.Err)
	}
	return fmt.Sprintf("woocommerce: cannot decode %s at index %d: %v", e.What, e.Index, e.Err)
}

// Unwrap returns the decoding failure.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDecode) hold.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// PageDecodeError lists the records of one page that could not be decoded;
// the records that could are still returned beside it. errors.Is(err,
// ErrDecode) holds; errors.As reaches each *DecodeError through Unwrap.
type PageDecodeError struct {
	Failed []*DecodeError
}

// Error implements error.
func (e *PageDecodeError) Error() string {
	if len(e.Failed) == 1 {
		return e.Failed[0].Error()
	}
	return fmt.Sprintf("woocommerce: %d records could not be decoded; first: %v", len(e.Failed), e.Failed[0])
}

// Unwrap returns each record's error.
func (e *PageDecodeError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f
	}
	return out
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// wireError is the WP REST error body.
type wireError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

type wireErrorData struct {
	Status int               `json:"status"`
	Params map[string]string `json:"params"`
}

// parseErrorBody fills code, message, status and params from a WP REST error
// body. It never fails: anything it cannot read is left empty.
func parseErrorBody(body []byte) (code, message string, status int, params map[string]string) {
	var w wireError
	if json.Unmarshal(body, &w) != nil {
		return "", "", 0, nil
	}
	var d wireErrorData
	if len(w.Data) > 0 && json.Unmarshal(w.Data, &d) == nil {
		status, params = d.Status, d.Params
	}
	return w.Code, w.Message, status, params
}

// newError builds an *Error from a non-2xx answer, reading at most
// maxErrorBody bytes and closing the body. redact removes credentials from
// any text taken from the answer.
func newError(resp *http.Response, method, safeURL string, redact func(string) string, now time.Time) *Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	e := &Error{
		Response:   sanitizeResponse(resp),
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        safeURL,
	}
	code, msg, _, params := parseErrorBody(body)
	e.Code = redact(code)
	e.Message = redact(msg)
	if len(params) > 0 {
		e.Params = make(map[string]string, len(params))
		for k, v := range params {
			e.Params[redact(k)] = redact(v)
		}
	}
	if e.Code == "" && e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	return e
}

// sanitizeResponse returns a shallow copy of resp whose Request carries no
// Authorization header and no consumer_key/consumer_secret query values,
// and whose Body is empty.
func sanitizeResponse(resp *http.Response) *http.Response {
	if resp == nil {
		return nil
	}
	r := *resp
	r.Body = http.NoBody
	if links := resp.Header.Values("Link"); len(links) > 0 {
		// WordPress repeats every query parameter in its Link header,
		// consumer_secret included when keys travel in the query.
		r.Header = resp.Header.Clone()
		r.Header.Del("Link")
		for _, l := range links {
			r.Header.Add("Link", redactLink(l))
		}
	}
	if resp.Request != nil {
		req := resp.Request.Clone(resp.Request.Context())
		req.Header.Del("Authorization")
		if req.URL != nil {
			req.URL = stripCredentials(req.URL)
		}
		req.Body = nil
		req.GetBody = nil
		r.Request = req
	}
	return &r
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		// Cap absurd values so the multiplication cannot overflow.
		if n > 365*24*3600 {
			n = 365 * 24 * 3600
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// redactLink strips credentials from the URLs of a Link header value.
func redactLink(v string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			b.WriteString(v[:i])
			return b.String() // unterminated: drop the rest rather than leak it
		}
		b.WriteString(v[:i+1])
		if u, err := url.Parse(v[i+1 : i+j]); err == nil {
			b.WriteString(stripCredentials(u).String())
		}
		b.WriteByte('>')
		v = v[i+j+1:]
	}
}
