package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// Store is an in-memory oms.Store. The zero value is not usable; call New.
type Store struct {
	mu     sync.RWMutex
	clock  func() time.Time
	orders map[string]*oms.Order
	byExt  map[oms.ExternalKey]string
	// index holds the orders in list order (CreatedAt, ID).
	index   []indexKey
	history map[string][]oms.HistoryEntry
	outbox  []*outboxRow
	// first is the position of the oldest row that may be unacknowledged.
	first  int
	nextEv int64
	// exts holds the tables of other packages' stores (returns, channels),
	// each in its own file of this package; see table.
	exts map[string]any
}

type indexKey struct {
	at time.Time
	id string
}

type outboxRow struct {
	ev         oms.Event
	worker     string
	leaseUntil time.Time
	acked      bool
}

var _ oms.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		clock:   time.Now,
		orders:  map[string]*oms.Order{},
		byExt:   map[oms.ExternalKey]string{},
		history: map[string][]oms.HistoryEntry{},
		exts:    map[string]any{},
	}
}

// table returns the extension state named name, creating it with init on
// first use. Call it with s.mu held (inside do, or after Lock/RLock —
// creation under RLock is not allowed, so readers get nil when absent).
func (s *Store) table(name string, init func() any) any {
	if v, ok := s.exts[name]; ok {
		return v
	}
	if init == nil {
		return nil
	}
	v := init()
	s.exts[name] = v
	return v
}

// SetClock replaces the clock used for outbox leases (tests of lease
// expiry). nil restores time.Now.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

// Tx is the unit of work of a Store. Other packages' stores (returns,
// channels) extend it in this package.
type Tx struct {
	s    *Store
	undo []func()
}

// onRollback records how to undo a write already applied.
func (t *Tx) onRollback(f func()) { t.undo = append(t.undo, f) }

// Do runs fn holding the store's lock; on error it undoes fn's writes in
// reverse order.
func (s *Store) Do(ctx context.Context, fn func(tx oms.Tx) error) error {
	return s.do(ctx, func(t *Tx) error { return fn(t) })
}

func (s *Store) do(ctx context.Context, fn func(t *Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Tx{s: s}
	defer func() {
		if r := recover(); r != nil {
			t.rollback()
			panic(r)
		}
	}()
	err = fn(t)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		t.rollback()
	}
	return err
}

func (t *Tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

func notFound(id string) error { return fmt.Errorf("memstore: order %s: %w", id, oms.ErrNotFound) }

// Get implements oms.Tx.
func (t *Tx) Get(ctx context.Context, id string) (oms.Order, error) { return t.s.get(id) }

// GetByExternal implements oms.Tx.
func (t *Tx) GetByExternal(ctx context.Context, k oms.ExternalKey) (oms.Order, error) {
	return t.s.getByExternal(k)
}

func (s *Store) get(id string) (oms.Order, error) {
	o, ok := s.orders[id]
	if !ok {
		return oms.Order{}, notFound(id)
	}
	return o.Clone(), nil
}

func (s *Store) getByExternal(k oms.ExternalKey) (oms.Order, error) {
	id, ok := s.byExt[k]
	if !ok {
		return oms.Order{}, fmt.Errorf("memstore: external %s/%d/%s/%s: %w", k.Channel.Type, k.Channel.ID, k.Store, k.ExternalID, oms.ErrNotFound)
	}
	return s.get(id)
}

// Insert implements oms.Tx.
func (t *Tx) Insert(ctx context.Context, o *oms.Order) error {
	s := t.s
	if o.ID == "" {
		return &oms.ValidationError{Field: "id", Reason: "empty"}
	}
	if _, dup := s.orders[o.ID]; dup {
		return fmt.Errorf("memstore: order id %s: %w", o.ID, oms.ErrDuplicate)
	}
	key := o.Key()
	if o.ExternalID != "" {
		if _, dup := s.byExt[key]; dup {
			return fmt.Errorf("memstore: external id %s: %w", o.ExternalID, oms.ErrDuplicate)
		}
	}
	o.Version = 1
	c := o.Clone()
	s.orders[o.ID] = &c
	if o.ExternalID != "" {
		s.byExt[key] = o.ID
	}
	k := indexKey{at: o.CreatedAt, id: o.ID}
	pos := len(s.index)
	if pos > 0 && !less(s.index[pos-1], k) {
		pos = sort.Search(len(s.index), func(i int) bool { return less(k, s.index[i]) })
	}
	s.index = slices.Insert(s.index, pos, k)
	t.onRollback(func() {
		delete(s.orders, o.ID)
		if o.ExternalID != "" {
			delete(s.byExt, key)
		}
		i := sort.Search(len(s.index), func(i int) bool { return !less(s.index[i], k) })
		s.index = slices.Delete(s.index, i, i+1)
	})
	return nil
}

func less(a, b indexKey) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.id < b.id
}

// Update implements oms.Tx.
func (t *Tx) Update(ctx context.Context, o *oms.Order) error {
	s := t.s
	cur, ok := s.orders[o.ID]
	if !ok {
		return notFound(o.ID)
	}
	if cur.Version != o.Version {
		return fmt.Errorf("memstore: order %s at version %d, update from %d: %w", o.ID, cur.Version, o.Version, oms.ErrConflict)
	}
	if cur.Key() != o.Key() || !cur.CreatedAt.Equal(o.CreatedAt) {
		return &oms.ValidationError{Field: "external key", Reason: "channel, store, external id and creation time are fixed"}
	}
	prev := cur
	o.Version++
	c := o.Clone()
	s.orders[o.ID] = &c
	t.onRollback(func() { s.orders[o.ID] = prev; o.Version-- })
	return nil
}

// AppendHistory implements oms.Tx.
func (t *Tx) AppendHistory(ctx context.Context, e oms.HistoryEntry) error {
	s := t.s
	n := len(s.history[e.OrderID])
	s.history[e.OrderID] = append(s.history[e.OrderID], e)
	t.onRollback(func() {
		if n == 0 {
			delete(s.history, e.OrderID)
			return
		}
		s.history[e.OrderID] = s.history[e.OrderID][:n]
	})
	return nil
}

// AppendEvent implements oms.Tx.
func (t *Tx) AppendEvent(ctx context.Context, e *oms.Event) error {
	s := t.s
	s.nextEv++
	e.ID = s.nextEv
	s.outbox = append(s.outbox, &outboxRow{ev: *e})
	t.onRollback(func() {
		s.outbox = s.outbox[:len(s.outbox)-1]
		s.nextEv--
		e.ID = 0
	})
	return nil
}

// Get implements oms.Store.
func (s *Store) Get(ctx context.Context, id string) (oms.Order, error) {
	if err := ctx.Err(); err != nil {
		return oms.Order{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.get(id)
}

// GetByExternal implements oms.Store.
func (s *Store) GetByExternal(ctx context.Context, k oms.ExternalKey) (oms.Order, error) {
	if err := ctx.Err(); err != nil {
		return oms.Order{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.getByExternal(k)
}

// List implements oms.Store.
func (s *Store) List(ctx context.Context, f oms.Filter, p oms.Page) (oms.OrderPage, error) {
	if err := ctx.Err(); err != nil {
		return oms.OrderPage{}, err
	}
	limit := oms.PageLimit(p.Limit)
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	if p.Cursor != "" {
		at, id, err := oms.DecodeCursor(p.Cursor)
		if err != nil {
			return oms.OrderPage{}, err
		}
		c := indexKey{at: at, id: id}
		start = sort.Search(len(s.index), func(i int) bool { return less(c, s.index[i]) })
	}
	var page oms.OrderPage
	for i := start; i < len(s.index); i++ {
		o := s.orders[s.index[i].id]
		if !f.Match(o) {
			continue
		}
		if len(page.Orders) == limit {
			last := page.Orders[limit-1]
			page.Next = oms.EncodeCursor(last.CreatedAt, last.ID)
			break
		}
		page.Orders = append(page.Orders, o.Clone())
	}
	return page, nil
}

// History implements oms.Store.
func (s *Store) History(ctx context.Context, orderID string) ([]oms.HistoryEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.orders[orderID]; !ok {
		return nil, notFound(orderID)
	}
	return slices.Clone(s.history[orderID]), nil
}

// ClaimEvents implements oms.Store.
func (s *Store) ClaimEvents(ctx context.Context, worker string, limit int, lease time.Duration) ([]oms.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	for s.first < len(s.outbox) && s.outbox[s.first].acked {
		s.first++
	}
	var out []oms.Event
	for i := s.first; i < len(s.outbox) && len(out) < limit; i++ {
		r := s.outbox[i]
		if r.acked || (r.worker != "" && now.Before(r.leaseUntil)) {
			continue
		}
		r.worker, r.leaseUntil = worker, now.Add(lease)
		r.ev.Attempts++
		out = append(out, r.ev)
	}
	return out, nil
}

// AckEvents implements oms.Store.
func (s *Store) AckEvents(ctx context.Context, ids ...int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		// Ids are dense and increasing from 1, so the row is at id-1 once
		// rows before it were never removed.
		if i := int(id - 1); i >= 0 && i < len(s.outbox) && s.outbox[i].ev.ID == id {
			s.outbox[i].acked = true
		}
	}
	return nil
}
