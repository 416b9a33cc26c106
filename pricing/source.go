package pricing

import (
	"context"
	"slices"
	"sync"
)

// Source is where price lists are read from.
//
// Offers returns, in any order, the entries for product of every list that
// could price it for the buyer: the lists of client, of any of groups, of
// channel, and the standard lists. It may return more than that (the resolver
// re-checks owners and passes the others over with [ReasonOtherOwner]); it
// returns an empty slice and a nil error when there is none; a non-nil error
// aborts pricing and is returned wrapped. The caller does not modify the slice.
type Source interface {
	Offers(ctx context.Context, product ProductID, client ClientID, groups []GroupID, channel ChannelID) ([]Offer, error)
}

// Memory is an in-memory [Source]. The zero value is empty and ready; it is
// safe for concurrent use and copies lists in and out.
type Memory struct {
	mu        sync.RWMutex
	lists     map[string]PriceList
	byProduct map[ProductID][]Offer
}

var _ Source = (*Memory)(nil)

// NewMemory returns a Memory holding lists, or the first validation error.
func NewMemory(lists ...PriceList) (*Memory, error) {
	m := &Memory{}
	for _, l := range lists {
		if err := m.Put(l); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Put validates the list and stores it, replacing a list with the same ID.
// An invalid list is a [*ListError] and leaves the store unchanged.
func (m *Memory) Put(l PriceList) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l.Entries = slices.Clone(l.Entries)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lists == nil {
		m.lists = make(map[string]PriceList)
		m.byProduct = make(map[ProductID][]Offer)
	}
	m.removeLocked(l.ID)
	m.lists[l.ID] = l
	for _, e := range l.Entries {
		o := Offer{List: l.ID, Tier: l.Tier, Client: l.Client, Group: l.Group,
			Channel: l.Channel, Currency: l.Currency, Entry: e}
		m.byProduct[e.Product] = append(m.byProduct[e.Product], o)
	}
	return nil
}

// Remove deletes the list with the given ID and reports whether it existed.
func (m *Memory) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.removeLocked(id)
}

func (m *Memory) removeLocked(id string) bool {
	old, ok := m.lists[id]
	if !ok {
		return false
	}
	delete(m.lists, id)
	for _, e := range old.Entries {
		kept := slices.DeleteFunc(m.byProduct[e.Product], func(o Offer) bool { return o.List == id })
		if len(kept) == 0 {
			delete(m.byProduct, e.Product)
		} else {
			m.byProduct[e.Product] = kept
		}
	}
	return true
}

// Offers implements [Source]. It never fails.
func (m *Memory) Offers(_ context.Context, product ProductID, client ClientID, groups []GroupID, channel ChannelID) ([]Offer, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := m.byProduct[product]
	out := make([]Offer, 0, len(all))
	for _, o := range all {
		if owns(o, client, groups, channel) {
			out = append(out, o)
		}
	}
	return out, nil
}

// owns reports whether the offer's list belongs to the buyer.
func owns(o Offer, client ClientID, groups []GroupID, channel ChannelID) bool {
	switch o.Tier {
	case TierClient:
		return client != "" && o.Client == client
	case TierGroup:
		return slices.Contains(groups, o.Group)
	case TierChannel:
		return channel != 0 && o.Channel == channel
	case TierStandard:
		return true
	}
	return false
}
