package pricing

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ClientID identifies a client (a B2B customer).
type ClientID string

// GroupID identifies a client group (VIP, Wholesale, Retail).
type GroupID string

// ProductID identifies a product.
type ProductID string

// ChannelID identifies a sales channel. 0 means "no channel" in a request and
// is not allowed as the owner of a channel price list.
type ChannelID int64

// Tier is the rank of a price source; a lower value wins.
type Tier int

// The four tiers, in the order they are tried.
const (
	TierClient   Tier = 1 // a price list of the client
	TierGroup    Tier = 2 // a price list of one of the client's groups
	TierChannel  Tier = 3 // the sales channel's price list
	TierStandard Tier = 4 // the standard catalogue price
)

// String returns the tier's name.
func (t Tier) String() string {
	switch t {
	case TierClient:
		return "client"
	case TierGroup:
		return "group"
	case TierChannel:
		return "channel"
	case TierStandard:
		return "standard"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// PriceList is a set of prices in one currency owned by a client, a client
// group, a channel or the standard catalogue.
type PriceList struct {
	ID       string    // unique among lists; required
	Tier     Tier      // required
	Client   ClientID  // the owner when Tier is TierClient
	Group    GroupID   // the owner when Tier is TierGroup
	Channel  ChannelID // the owner when Tier is TierChannel (non-zero)
	Currency string    // ISO 4217 code (any letter case), required; every entry is in it
	Entries  []Entry
}

// Entry is one price of a list.
type Entry struct {
	Product ProductID
	Price   decimal.Decimal // unit price, not negative
	// MinQuantity is the smallest quantity the price applies to (a quantity
	// break); 0 and 1 both mean any quantity.
	MinQuantity int64
	// ValidFrom and ValidUntil bound the validity window, both inclusive; the
	// zero time leaves that end open.
	ValidFrom, ValidUntil time.Time
}

// Offer is one entry as a [Source] returns it: the entry together with the
// identity, tier, owner and currency of its list.
type Offer struct {
	List     string
	Tier     Tier
	Client   ClientID
	Group    GroupID
	Channel  ChannelID
	Currency string
	Entry
}

// Validate reports the first problem of the list as a [*ListError], or nil.
func (l PriceList) Validate() error {
	bad := func(entry int, field, reason string) error {
		return &ListError{List: l.ID, Entry: entry, Field: field, Reason: reason}
	}
	if strings.TrimSpace(l.ID) == "" {
		return bad(-1, "ID", "empty")
	}
	if why := checkCurrency(l.Currency); why != "" {
		return bad(-1, "Currency", why)
	}
	switch l.Tier {
	case TierClient:
		if l.Client == "" {
			return bad(-1, "Client", "empty on a client price list")
		}
	case TierGroup:
		if l.Group == "" {
			return bad(-1, "Group", "empty on a group price list")
		}
	case TierChannel:
		if l.Channel == 0 {
			return bad(-1, "Channel", "zero on a channel price list")
		}
	case TierStandard:
	default:
		return bad(-1, "Tier", fmt.Sprintf("unknown tier %d", int(l.Tier)))
	}
	for i, e := range l.Entries {
		switch {
		case e.Product == "":
			return bad(i, "Product", "empty")
		case e.Price.IsNegative():
			return bad(i, "Price", "negative")
		case e.MinQuantity < 0:
			return bad(i, "MinQuantity", "negative")
		case !e.ValidFrom.IsZero() && !e.ValidUntil.IsZero() && e.ValidUntil.Before(e.ValidFrom):
			return bad(i, "ValidUntil", "before ValidFrom")
		}
	}
	return nil
}
