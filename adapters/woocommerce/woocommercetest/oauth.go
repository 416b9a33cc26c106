package woocommercetest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OAuth 1.0a one-legged checking, as WooCommerce does it on plain http
// (class WC_REST_Authentication): written here from WooCommerce's rules,
// not shared with the client, so that it can catch the client's mistakes.

// oauthWindow is how far a timestamp may be from the site's clock, and
// how long a nonce is remembered.
const oauthWindow = 15 * time.Minute

// oauthParams returns every request parameter with the OAuth ones of an
// "Authorization: OAuth …" header merged in, and whether any oauth_*
// parameter came at all.
func oauthParams(r *http.Request) (map[string]string, bool) {
	params := map[string]string{}
	for k, vs := range r.URL.Query() {
		params[k] = vs[len(vs)-1] // PHP keeps the last of repeated keys
	}
	if h := strings.TrimSpace(r.Header.Get("Authorization")); strings.HasPrefix(h, "OAuth ") {
		for _, part := range strings.Split(strings.TrimPrefix(h, "OAuth "), ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.HasPrefix(k, "oauth_") {
				continue
			}
			if u, err := url.PathUnescape(strings.Trim(v, `"`)); err == nil {
				params[k] = u
			}
		}
	}
	for k := range params {
		if strings.HasPrefix(k, "oauth_") {
			return params, true
		}
	}
	return params, false
}

// checkOAuth verifies a request's OAuth 1.0a signature and returns the
// refusal text, or "" when it is valid.
func (s *Server) checkOAuth(r *http.Request, params map[string]string) string {
	var missing []string
	for _, k := range []string{"oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"} {
		if params[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return "Missing OAuth parameter " + strings.Join(missing, ", ")
	}
	if params["oauth_consumer_key"] != s.ConsumerKey {
		return "Consumer key is invalid."
	}
	var algo func() hash.Hash
	switch params["oauth_signature_method"] {
	case "HMAC-SHA1":
		algo = sha1.New
	case "HMAC-SHA256":
		algo = sha256.New
	default:
		return "Invalid signature - signature method is invalid."
	}
	given := strings.ReplaceAll(params["oauth_signature"], " ", "+")
	// The signed parameters: all but the signature, keys sorted, each key
	// and value RFC 3986-encoded, joined as k=v with & (the whole string
	// then encoded once more).
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "oauth_signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = rfc3986(rfc3986(k) + "=" + rfc3986(params[k]))
	}
	base := "http://" + r.Host + r.URL.EscapedPath()
	toSign := strings.ToUpper(r.Method) + "&" + rfc3986(base) + "&" + strings.Join(pairs, "%26")
	mac := hmac.New(algo, []byte(s.ConsumerSecret+"&"))
	mac.Write([]byte(toSign))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(given)) {
		return "Invalid signature - provided signature does not match."
	}
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if err != nil || time.Unix(ts, 0).Before(now.Add(-oauthWindow)) || time.Unix(ts, 0).After(now.Add(oauthWindow)) {
		return "Invalid timestamp."
	}
	for n, at := range s.nonces {
		if at.Before(now.Add(-oauthWindow)) {
			delete(s.nonces, n)
		}
	}
	n := params["oauth_nonce"]
	if _, used := s.nonces[n]; used {
		return "Invalid nonce - nonce has already been used."
	}
	if s.nonces == nil {
		s.nonces = map[string]time.Time{}
	}
	s.nonces[n] = time.Unix(ts, 0)
	return ""
}

// rfc3986 is PHP's rawurlencode: everything but A-Z a-z 0-9 - . _ ~
// percent-encoded, in upper case.
func rfc3986(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
