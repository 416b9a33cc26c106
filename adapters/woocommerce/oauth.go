package woocommerce

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OAuth 1.0a one-legged signing, which WooCommerce wants over plain http
// (where it ignores HTTP Basic and keys in the query): the consumer secret
// never travels, each request carries a signature of its method, URL and
// query made with it.

// signOAuth replaces u's query with the request's own parameters plus the
// oauth_* ones and their HMAC-SHA256 signature. oauth_* parameters already
// in the query (WordPress repeats every parameter in its Link headers) are
// dropped first.
func signOAuth(method string, u *url.URL, key, secret string, now time.Time) {
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "oauth_") {
			q.Del(k)
		}
	}
	q.Set("oauth_consumer_key", key)
	q.Set("oauth_nonce", nonce())
	q.Set("oauth_signature_method", "HMAC-SHA256")
	q.Set("oauth_timestamp", strconv.FormatInt(now.Unix(), 10))
	q.Set("oauth_signature", oauthSignature(method, u, q, secret))
	u.RawQuery = q.Encode()
}

// oauthSignature is the base64 HMAC-SHA256 signature of a request as
// WooCommerce checks it: the key is the consumer secret followed by "&";
// the base string is METHOD&enc(URL without query)&enc(params), params
// being every query parameter but oauth_signature, percent-encoded (RFC
// 3986), sorted and joined.
func oauthSignature(method string, u *url.URL, params url.Values, secret string) string {
	type kv struct{ k, v string }
	var pairs []kv
	for k, vs := range params {
		if k == "oauth_signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, kv{oauthEscape(k), oauthEscape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var p strings.Builder
	for i, x := range pairs {
		if i > 0 {
			p.WriteByte('&')
		}
		p.WriteString(x.k)
		p.WriteByte('=')
		p.WriteString(x.v)
	}
	base := strings.ToUpper(method) + "&" + oauthEscape(oauthBaseURL(u)) + "&" + oauthEscape(p.String())
	mac := hmac.New(sha256.New, []byte(secret+"&"))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// oauthBaseURL is scheme://host[:port]/path, lower-case scheme and host,
// without a default port or the query.
func oauthBaseURL(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	return scheme + "://" + host + u.EscapedPath()
}

// oauthEscape percent-encodes everything but RFC 3986's unreserved
// characters (PHP's rawurlencode, which WooCommerce uses).
func oauthEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

func nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
