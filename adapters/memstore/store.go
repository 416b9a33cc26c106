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
	orders map[string]*record
	byExt  map[oms.ExternalKey]string
	// index holds the orders in list order (CreatedAt, ID).
	index []indexKey
	// outbox holds event id i at outbox[(i-1)/chunk][(i-1)%chunk]. Fixed
	// chunks never move, and chunks whose rows are all acknowledged are
	// released (set to nil) so a long-running process does not keep them.
	outbox []*[chunk]outboxRow
	// first is the id of the oldest event that may be unacknowledged.
	first  int64
	nextEv int64
	// exts holds the tables of other packages' stores (returns, channels),
	// each in its own file of this package; see table.
	exts map[string]any
	// names holds the event types, event names and channel types that
	// outbox and history rows refer to by code.
	names names
	// Records are allocated in slabs (see newRecord); free holds the
	// records of rolled-back inserts for reuse.
	slab []record
	used int
	free []*record
	// groups is the client group list stored last (see stored.set).
	groups []string
	// last is the record the last unit of work touched: a unit reads,
	// updates and appends history to one order, and the next unit often
	// works on the same order (a status change after another), so it
	// saves map lookups. Records never move; a freed one has no id.
	last *record
}

// maxSlab is the largest number of records allocated at once.
const maxSlab = 256

// newRecord returns a zero record. Records come from slabs of up to
// maxSlab, never one by one: the store keeps every order as long as it
// lives, and the GC marks a slab once and scans it in order, where it
// would otherwise visit each record as a separate object at a random
// address. Measured on BenchmarkLifecycle: GC CPU less than half, the
// lifecycle a fifth faster (BENCHMARKS.md). Slabs start small and double,
// so a small store does not reserve many.
func (s *Store) newRecord() *record {
	if n := len(s.free); n > 0 {
		r := s.free[n-1]
		s.free = s.free[:n-1]
		return r
	}
	if s.used == len(s.slab) {
		s.slab, s.used = make([]record, min(max(2*len(s.slab), 8), maxSlab)), 0
	}
	r := &s.slab[s.used]
	s.used++
	return r
}

type indexKey struct {
	at time.Time
	id string
}

const chunk = 1024

// row returns the outbox row of event id (1-based); nil if released.
func (s *Store) row(id int64) *outboxRow {
	c := (id - 1) / chunk
	if id < 1 || id > s.nextEv || s.outbox[c] == nil {
		return nil
	}
	return &s.outbox[c][(id-1)%chunk]
}

var _ oms.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		clock:  time.Now,
		orders: map[string]*record{},
		byExt:  map[oms.ExternalKey]string{},
		exts:   map[string]any{},
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
	s *Store
	// ops undoes the core's writes without a closure per write (the hot
	// path); undo holds extension undos. Both run newest first.
	ops  []undoOp
	undo []func()
	// prevs keeps the values that updates replaced, reused across units
	// of work so an update does not allocate a copy of the order.
	prevs []stored
}

// rec returns the stored record of order id.
func (t *Tx) rec(id string) (*record, bool) {
	s := t.s
	if r := s.last; r != nil && r.o.id == id {
		return r, true
	}
	r, ok := s.orders[id]
	if ok {
		s.last = r
	}
	return r, ok
}

type undoKind uint8

const (
	undoInsert undoKind = iota
	undoUpdate
	undoHistory
	undoEvent
	undoFunc
)

type undoOp struct {
	kind undoKind
	rec  *record // undoInsert: the inserted record; undoUpdate, undoHistory: the changed one
	n    int     // undoHistory: previous length; undoUpdate: index in prevs
	fn   int     // undoFunc: index in undo
}

var txPool = sync.Pool{New: func() any { return new(Tx) }}

// onRollback records how to undo a write already applied (for extension
// tables in other files of this package).
func (t *Tx) onRollback(f func()) {
	t.undo = append(t.undo, f)
	t.ops = append(t.ops, undoOp{kind: undoFunc, fn: len(t.undo) - 1})
}

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
	t := txPool.Get().(*Tx)
	t.s = s
	done := false
	defer func() {
		if !done {
			t.rollback() // fn panicked: leave the store as it was
		}
		t.release()
	}()
	err = fn(t)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		t.rollback()
	}
	done = true
	return err
}

func (t *Tx) release() {
	// prevs is not cleared: zeroing whole orders costs as much as copying
	// them, and what it holds is overwritten by the next unit's updates.
	clear(t.ops)
	clear(t.undo)
	t.ops, t.undo, t.prevs, t.s = t.ops[:0], t.undo[:0], t.prevs[:0], nil
	txPool.Put(t)
}

func (t *Tx) rollback() {
	s := t.s
	s.last = nil
	for i := len(t.ops) - 1; i >= 0; i-- {
		op := t.ops[i]
		switch op.kind {
		case undoInsert:
			o := &op.rec.o
			delete(s.orders, o.id)
			if o.externalID != "" {
				delete(s.byExt, oms.ExternalKey{Channel: o.channel, Store: o.store, ExternalID: o.externalID})
			}
			k := indexKey{at: o.createdAt, id: o.id}
			j := sort.Search(len(s.index), func(i int) bool { return !less(s.index[i], k) })
			s.index = slices.Delete(s.index, j, j+1)
			*op.rec = record{}
			s.free = append(s.free, op.rec)
		case undoUpdate:
			op.rec.o = t.prevs[op.n]
		case undoHistory:
			clear(op.rec.hist[op.n:])
			op.rec.hist = op.rec.hist[:op.n]
		case undoEvent:
			*s.row(s.nextEv) = outboxRow{}
			s.nextEv--
		case undoFunc:
			t.undo[op.fn]()
		}
	}
	t.ops = t.ops[:0]
	t.undo = t.undo[:0]
}

func notFound(id string) error { return fmt.Errorf("memstore: order %s: %w", id, oms.ErrNotFound) }

// Get implements oms.Tx.
func (t *Tx) Get(ctx context.Context, id string) (oms.Order, error) {
	r, ok := t.rec(id)
	if !ok {
		return oms.Order{}, notFound(id)
	}
	return r.o.toOrder().Clone(), nil
}

// GetByExternal implements oms.Tx.
func (t *Tx) GetByExternal(ctx context.Context, k oms.ExternalKey) (oms.Order, error) {
	return t.s.getByExternal(k)
}

func (s *Store) get(id string) (oms.Order, error) {
	r, ok := s.orders[id]
	if !ok {
		return oms.Order{}, notFound(id)
	}
	return r.o.toOrder().Clone(), nil
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
	if err := checkCodes(o); err != nil {
		return err
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
	r := s.newRecord()
	r.o.set(o, &s.groups)
	r.hist = r.first[:0]
	s.orders[o.ID] = r
	s.last = r
	if o.ExternalID != "" {
		s.byExt[key] = o.ID
	}
	k := indexKey{at: o.CreatedAt, id: o.ID}
	pos := len(s.index)
	if pos > 0 && !less(s.index[pos-1], k) {
		pos = sort.Search(len(s.index), func(i int) bool { return less(k, s.index[i]) })
	}
	s.index = slices.Insert(s.index, pos, k)
	t.ops = append(t.ops, undoOp{kind: undoInsert, rec: r})
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
	r, ok := t.rec(o.ID)
	if !ok {
		return notFound(o.ID)
	}
	cur := &r.o
	if cur.version != o.Version {
		return fmt.Errorf("memstore: order %s at version %d, update from %d: %w", o.ID, cur.version, o.Version, oms.ErrConflict)
	}
	if cur.channel != o.Channel || cur.store != o.Store || cur.externalID != o.ExternalID || !cur.createdAt.Equal(o.CreatedAt) {
		return &oms.ValidationError{Field: "external key", Reason: "channel, store, external id and creation time are fixed"}
	}
	if err := checkCodes(o); err != nil {
		return err
	}
	// Edited in place under the write lock: readers only ever got copies.
	// The undo log keeps the previous value. Stored slices are never
	// written in place, so unchanged lines and groups (most status
	// changes) keep the stored copy instead of a new one.
	t.prevs = append(t.prevs, *cur)
	t.ops = append(t.ops, undoOp{kind: undoUpdate, rec: r, n: len(t.prevs) - 1})
	o.Version++
	cur.set(o, &t.s.groups)
	return nil
}

// AppendHistory implements oms.Tx.
func (t *Tx) AppendHistory(ctx context.Context, e oms.HistoryEntry) error {
	r, ok := t.rec(e.OrderID)
	if !ok {
		return notFound(e.OrderID)
	}
	h, err := t.s.names.newHistRow(&e)
	if err != nil {
		return err
	}
	t.ops = append(t.ops, undoOp{kind: undoHistory, rec: r, n: len(r.hist)})
	r.hist = append(r.hist, h)
	return nil
}

// AppendEvent implements oms.Tx.
func (t *Tx) AppendEvent(ctx context.Context, e *oms.Event) error {
	s := t.s
	row, err := s.names.newOutboxRow(e)
	if err != nil {
		return err
	}
	s.nextEv++
	e.ID = s.nextEv
	if c := int((s.nextEv - 1) / chunk); c == len(s.outbox) {
		s.outbox = append(s.outbox, new([chunk]outboxRow))
	}
	*s.row(e.ID) = row
	t.ops = append(t.ops, undoOp{kind: undoEvent})
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
		o := s.orders[s.index[i].id].o.toOrder()
		if !f.Match(&o) {
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
	r, ok := s.orders[orderID]
	if !ok {
		return nil, notFound(orderID)
	}
	if len(r.hist) == 0 {
		return nil, nil
	}
	out := make([]oms.HistoryEntry, len(r.hist))
	for i := range r.hist {
		out[i] = s.names.entry(&r.hist[i], orderID)
	}
	return out, nil
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
	if s.first == 0 {
		s.first = 1
	}
	for s.first <= s.nextEv && s.row(s.first).acked {
		if (s.first-1)%chunk == chunk-1 {
			s.outbox[(s.first-1)/chunk] = nil // every row of this chunk is acknowledged
		}
		s.first++
	}
	var out []oms.Event
	for id := s.first; id <= s.nextEv && len(out) < limit; id++ {
		r := s.row(id)
		if r.acked || (r.leaseUntil != 0 && now.UnixNano() < r.leaseUntil) {
			continue
		}
		// The worker's name is not kept: a lease is free when it expires,
		// whoever held it.
		r.leaseUntil = now.Add(lease).UnixNano()
		r.attempts++
		out = append(out, s.names.event(r, id))
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
		if r := s.row(id); r != nil {
			r.acked = true
		}
	}
	return nil
}
