package woocommercetest

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a kind of injected failure.
type FaultKind int

// Fault kinds.
const (
	// FaultTimeout hangs the request until the client gives up (its
	// context or timeout) or the server closes; with Fault.Delay it hangs
	// that long and then answers normally (a slow site).
	FaultTimeout FaultKind = iota + 1
	// FaultStatus answers Fault.Status (default 500) with a WP error body,
	// and Retry-After if Fault.RetryAfter is set.
	FaultStatus
	// FaultRateLimit answers 429 with Retry-After (Fault.RetryAfter,
	// default "1") as a host or proxy in front of WooCommerce would.
	FaultRateLimit
	// FaultMalformed answers with the real status and headers and the real
	// body cut in half (invalid JSON).
	FaultMalformed
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultTimeout:
		return "timeout"
	case FaultStatus:
		return "status"
	case FaultRateLimit:
		return "rate-limit"
	case FaultMalformed:
		return "malformed"
	}
	return "none"
}

// Fault is a failure injected into matching requests, on demand.
type Fault struct {
	// Kind is what goes wrong; zero with Before set only runs Before.
	Kind FaultKind
	// Status for FaultStatus (default 500).
	Status int
	// RetryAfter is the Retry-After header value (seconds or an HTTP date)
	// for FaultRateLimit (default "1") and FaultStatus (default none).
	RetryAfter string
	// Delay turns FaultTimeout into a slow answer after Delay.
	Delay time.Duration
	// Method and Path select requests: "" matches any; Path is the route
	// below /wp-json/wc/v3 ("/orders", "/orders/12", "/products/batch"),
	// and a trailing "*" matches a prefix ("/orders/*").
	Method, Path string
	// Page selects list requests by their page parameter (1 when absent);
	// zero matches any.
	Page int
	// Times is how many matching requests the fault hits; zero means once.
	Times int
	// Skip lets that many matching requests pass untouched before the
	// fault hits ("the second listing": Skip 1).
	Skip int
	// AfterApply handles the request first (state changes happen) and then
	// answers with the fault: the write landed but the client cannot know.
	AfterApply bool
	// Before runs before the request is handled, outside the server lock:
	// use it to change state between page reads (insert or modify orders).
	Before func(*Server)
}

// InjectFault queues f; faults are tried in the order injected and each
// hits at most Times matching requests.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FaultRates injects faults at random into matching requests, each request
// drawing once: with probability Timeout it hangs, then ServerError a 500
// or 503, then RateLimit a 429, then Malformed a cut body (reads only: a
// cut answer to a write would hide that it landed). Unless AfterApply is
// set, faults strike before the request is handled, so a write is applied
// only by the attempt that succeeds. Draws come from
// a generator seeded with Seed, so a run with the same requests in the same
// order fails the same way.
type FaultRates struct {
	Seed                                       uint64
	Timeout, ServerError, RateLimit, Malformed float64
	// RetryAfter for the 429s and 503s. Default: none on 503, "1" on 429.
	RetryAfter string
	// Method and Path select requests as in Fault; "" matches any.
	Method, Path string
	// AfterApply makes ServerError and Timeout faults on writes happen after
	// the write was applied.
	AfterApply bool
}

// SetFaultRates turns on random faults (nil turns them off).
func (s *Server) SetFaultRates(r *FaultRates) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == nil {
		s.rates, s.rng = nil, nil
		return
	}
	c := *r
	s.rates = &c
	s.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
}

// ClearFaults drops queued faults and random rates.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.rates, s.rng = nil, nil, nil
}

func pathMatch(pattern, route string) bool {
	if pattern == "" {
		return true
	}
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(route, p)
	}
	return pattern == route
}

// pickFault returns the fault for this request, if any. Called locked.
func (s *Server) pickFault(method, route string, q url.Values) *Fault {
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil {
		page = v
	}
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && pathMatch(f.Path, route) && (f.Page == 0 || f.Page == page) {
			if f.Skip > 0 {
				f.Skip--
				continue
			}
			f.Times--
			hit := *f
			if f.Times <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			return &hit
		}
	}
	if s.rates == nil || !(s.rates.Method == "" || s.rates.Method == method) || !pathMatch(s.rates.Path, route) {
		return nil
	}
	r := s.rates
	u := s.rng.Float64()
	write := method != http.MethodGet
	switch {
	case u < r.Timeout:
		return &Fault{Kind: FaultTimeout, AfterApply: r.AfterApply && write}
	case u < r.Timeout+r.ServerError:
		st := http.StatusInternalServerError
		ra := ""
		if s.rng.IntN(2) == 0 {
			st, ra = http.StatusServiceUnavailable, r.RetryAfter
		}
		return &Fault{Kind: FaultStatus, Status: st, RetryAfter: ra, AfterApply: r.AfterApply && write}
	case u < r.Timeout+r.ServerError+r.RateLimit:
		return &Fault{Kind: FaultRateLimit, RetryAfter: r.RetryAfter}
	case u < r.Timeout+r.ServerError+r.RateLimit+r.Malformed && !write:
		return &Fault{Kind: FaultMalformed}
	}
	return nil
}

// applyFault writes the fault's answer. rec, when not nil, holds the real
// answer already produced (AfterApply, or for FaultMalformed). It returns
// false when the request should still be handled normally (a slow answer).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, rec *httptest.ResponseRecorder) bool {
	switch f.Kind {
	case FaultTimeout:
		var after <-chan time.Time
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			after = t.C
		}
		select {
		case <-r.Context().Done():
			return true
		case <-s.quit:
			return true
		case <-after:
			if rec != nil {
				copyRecorded(w, rec)
				return true
			}
			return false
		}
	case FaultStatus:
		st := f.Status
		if st == 0 {
			st = http.StatusInternalServerError
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeError(w, st, "internal_server_error", "There has been a critical error on this website.", nil)
		return true
	case FaultRateLimit:
		ra := f.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "Too Many Requests", nil)
		return true
	case FaultMalformed:
		if rec == nil {
			rec = httptest.NewRecorder()
			s.route(rec, r, routeOf(s, r))
		}
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		cut := body[:len(body)/2]
		w.Header().Set("Content-Length", strconv.Itoa(len(cut)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(cut)
		return true
	}
	return false
}

func routeOf(s *Server, r *http.Request) string {
	return strings.TrimPrefix(r.URL.Path, s.prefix+APIPath)
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
