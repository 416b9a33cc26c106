package pricing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// fixed is a Source that returns offers in a given order, so that tests can
// check the result does not depend on it.
type fixed []Offer

func (f fixed) Offers(context.Context, ProductID, ClientID, []GroupID, ChannelID) ([]Offer, error) {
	return f, nil
}

func genOffer(t *rapid.T, i int) Offer {
	tier := Tier(rapid.IntRange(1, 4).Draw(t, "tier"))
	o := Offer{
		List:     fmt.Sprintf("L%d", i),
		Tier:     tier,
		Currency: rapid.SampledFrom([]string{"RON", "RON", "EUR"}).Draw(t, "currency"),
		Entry: Entry{
			Product:     "A",
			Price:       decimal.New(rapid.Int64Range(0, 10000).Draw(t, "cents"), -2),
			MinQuantity: rapid.Int64Range(0, 5).Draw(t, "minq"),
		},
	}
	switch tier {
	case TierClient:
		o.Client = rapid.SampledFrom([]ClientID{"c1", "c2"}).Draw(t, "client")
	case TierGroup:
		o.Group = rapid.SampledFrom([]GroupID{"g1", "g2", "g3"}).Draw(t, "group")
	case TierChannel:
		o.Channel = ChannelID(rapid.IntRange(1, 2).Draw(t, "channel"))
	}
	if rapid.Bool().Draw(t, "from") {
		o.ValidFrom = t0.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, "fromh")) * time.Hour)
	}
	if rapid.Bool().Draw(t, "until") {
		o.ValidUntil = t0.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, "untilh")) * time.Hour)
	}
	return o
}

func TestPropertiesResolve(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "n")
		offers := make(fixed, n)
		for i := range offers {
			offers[i] = genOffer(t, i)
		}
		req := Request{Product: "A", Client: "c1", Groups: []GroupID{"g1", "g2"}, Channel: 1,
			Currency: "RON", Quantity: rapid.Int64Range(1, 6).Draw(t, "qty"), At: t0}
		p, err := Resolve(context.Background(), offers, req)
		shuffled := rapid.Permutation(offers).Draw(t, "shuffled")
		p2, err2 := Resolve(context.Background(), shuffled, req)

		// A usable client-specific entry always wins over the other tiers.
		var usable []Offer
		for _, o := range offers {
			if unusableRef(o, req) == "" {
				usable = append(usable, o)
			}
		}
		if len(usable) == 0 {
			if err == nil || err2 == nil {
				t.Fatalf("no usable offer but got a price %v", p.Unit)
			}
			return
		}
		if err != nil || err2 != nil {
			t.Fatalf("errors: %v %v", err, err2)
		}
		best := usable[0]
		for _, o := range usable[1:] {
			if o.Tier < best.Tier || (o.Tier == best.Tier && o.Price.LessThan(best.Price)) {
				best = o
			}
		}
		if p.Tier != best.Tier || !p.Unit.Equal(best.Price) {
			t.Fatalf("got tier %v unit %s, want tier %v unit %s", p.Tier, p.Unit, best.Tier, best.Price)
		}
		for _, o := range usable {
			if o.Tier == TierClient && p.Tier != TierClient {
				t.Fatalf("usable client entry %+v lost to tier %v", o, p.Tier)
			}
		}
		// Shuffling the source never changes the result.
		if p.Offer.List != p2.Offer.List || !p.Unit.Equal(p2.Unit) || len(p.Passed) != len(p2.Passed) {
			t.Fatalf("order changed the result: %+v vs %+v", p.Offer, p2.Offer)
		}
		for i := range p.Passed {
			if p.Passed[i].Offer.List != p2.Passed[i].Offer.List || p.Passed[i].Reason != p2.Passed[i].Reason {
				t.Fatalf("order changed the trace at %d", i)
			}
		}
		// The trace accounts for every other candidate exactly once.
		if len(p.Passed) != len(offers)-1 {
			t.Fatalf("trace has %d candidates, want %d", len(p.Passed), len(offers)-1)
		}
		for _, ps := range p.Passed {
			if ps.Offer.List == p.Offer.List {
				t.Fatalf("winner %s also in the trace", p.Offer.List)
			}
			if want := unusableRef(ps.Offer, req); want != "" && want != ps.Reason.String() {
				t.Fatalf("offer %+v passed over for %v, want %s", ps.Offer, ps.Reason, want)
			}
		}
	})
}

// unusableRef is an independent restatement of the usability rules.
func unusableRef(o Offer, req Request) string {
	owner := false
	switch o.Tier {
	case TierClient:
		owner = o.Client == req.Client
	case TierGroup:
		for _, g := range req.Groups {
			owner = owner || g == o.Group
		}
	case TierChannel:
		owner = o.Channel == req.Channel
	case TierStandard:
		owner = true
	}
	switch {
	case !owner:
		return "other owner"
	case o.Currency != req.Currency:
		return "other currency"
	case !o.ValidFrom.IsZero() && req.At.Before(o.ValidFrom):
		return "not yet valid"
	case !o.ValidUntil.IsZero() && req.At.After(o.ValidUntil):
		return "expired"
	case req.Quantity < o.MinQuantity:
		return "below minimum quantity"
	}
	return ""
}
