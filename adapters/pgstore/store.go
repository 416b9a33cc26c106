package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/azuvio/omnisales/oms"
)

// Config configures a Store made by Open. The zero value is usable.
type Config struct {
	// MaxConns bounds the connections of the pool Open builds; units of
	// work and reads wait for a free one. 0 keeps the DSN's
	// pool_max_conns if it has one, else pgxpool's default,
	// max(4, runtime.NumCPU()).
	MaxConns int
}

// Store is an oms.Store on PostgreSQL. It is safe for concurrent use, and
// several Stores (processes) may share one database. Create it with New
// on a pgxpool.Pool, or with Open from a DSN, then call Migrate once per
// deployment (it is safe to call at every start).
//
// Times are stored as timestamptz, so with microsecond precision (the
// service already truncates to it), and come back in UTC.
type Store struct {
	pool *pgxpool.Pool
	// owned: the pool was built by Open, so Close closes it.
	owned bool
}

var _ oms.Store = (*Store)(nil)

// New returns a Store on pool. The caller owns the pool: Store.Close
// leaves it open, and the pool must stay open while the Store is used.
// The round trips the package doc counts assume pgx's default statement
// cache (QueryExecModeCacheStatement).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Open returns a Store on a new pgxpool.Pool for dsn (a PostgreSQL URL or
// keyword/value string, as pgxpool.ParseConfig accepts, pool_* settings
// included). It connects once to check the server is reachable. Close
// closes the pool. For TLS, tracers or other pool settings, build the
// pool yourself and use New.
func Open(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = int32(min(cfg.MaxConns, math.MaxInt32))
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	// NewWithConfig connects lazily: check the server now, so a wrong
	// DSN fails here rather than at the first call.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	return &Store{pool: pool, owned: true}, nil
}

// Close closes the pool if Open built it, waiting for connections in use
// to be returned; later calls fail. A Store from New leaves its pool to
// the caller, and Close does nothing.
func (s *Store) Close() {
	if s.owned {
		s.pool.Close()
	}
}

// acquire takes a pooled connection, waiting for a free one until ctx
// ends. pgxpool pings a connection that sat idle for over a second, and
// drops one released broken, busy or still inside a transaction.
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := s.pool.Acquire(ctx)
	return c, withCtx(ctx, err)
}

// withConn runs fn on a pooled connection outside any unit of work.
func (s *Store) withConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return withCtx(ctx, fn(c.Conn()))
}

// collect runs a query on a pooled connection and scans every row.
func collect[T any](ctx context.Context, s *Store, sql string, args []any, scan pgx.RowToFunc[T]) ([]T, error) {
	var out []T
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scan)
		return err
	})
	return out, err
}

// withCtx makes an error caused by ctx ending match ctx.Err() with
// errors.Is, whatever pgx reported.
func withCtx(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// Do implements oms.Store. The unit of work is one PostgreSQL transaction
// (READ COMMITTED, on one connection): it is committed when fn returns nil
// and ctx is still live, and rolled back when fn returns an error, panics
// (the panic continues after the rollback), or ctx ends.
//
// To save round trips, BEGIN is sent with the unit's first statement;
// writes whose result the caller does not need (Update, AppendHistory,
// and AppendEvent when the unit holds an outbox id drawn ahead) are sent
// with the next statement or with COMMIT. An error in such a deferred
// write (a stale version, a missing order) is returned by the call that
// sends it, by every later call of the unit and by Do, and nothing is
// kept. If the connection is lost during COMMIT the outcome is unknown to
// the caller, as with any database.
func (s *Store) Do(ctx context.Context, fn func(tx oms.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := s.acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: begin: %w", err)
	}
	defer c.Release()
	t := &Tx{c: c.Conn()}
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
	if err == nil {
		if err = t.commit(ctx); err == nil {
			return nil
		}
	}
	t.rollback()
	return err
}

func notFound(id string) error { return fmt.Errorf("pgstore: order %s: %w", id, oms.ErrNotFound) }

// Get implements oms.Store.
func (s *Store) Get(ctx context.Context, id string) (oms.Order, error) {
	var (
		o     oms.Order
		found bool
	)
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		o, found, err = scanOne(c.Query(ctx, orderSelect+" WHERE o.id = $1", id))
		return err
	})
	if err != nil {
		return oms.Order{}, fmt.Errorf("pgstore: get order %s: %w", id, err)
	}
	if !found {
		return oms.Order{}, notFound(id)
	}
	return o, nil
}

const byExternal = " WHERE o.channel_type = $1 AND o.channel_id = $2 AND o.store = $3 AND o.external_id = $4 AND o.external_id <> ''"

func externalNotFound(k oms.ExternalKey) error {
	return fmt.Errorf("pgstore: external %s/%d/%s/%s: %w", k.Channel.Type, k.Channel.ID, k.Store, k.ExternalID, oms.ErrNotFound)
}

// GetByExternal implements oms.Store.
func (s *Store) GetByExternal(ctx context.Context, k oms.ExternalKey) (oms.Order, error) {
	var (
		o     oms.Order
		found bool
	)
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		o, found, err = scanOne(c.Query(ctx, orderSelect+byExternal, string(k.Channel.Type), k.Channel.ID, k.Store, k.ExternalID))
		return err
	})
	if err != nil {
		return oms.Order{}, fmt.Errorf("pgstore: get external order: %w", err)
	}
	if !found {
		return oms.Order{}, externalNotFound(k)
	}
	return o, nil
}

// listQuery builds the list statement: the SQL text depends only on which
// filters are set, every value is a parameter.
func listQuery(f oms.Filter, p oms.Page) (string, []any, int, error) {
	limit := oms.PageLimit(p.Limit)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var codes []int16
	if len(f.Statuses) > 0 {
		codes = make([]int16, 0, len(f.Statuses))
		for _, st := range f.Statuses {
			if st.Valid() {
				codes = append(codes, int16(st))
			}
		}
		slices.Sort(codes)
		codes = slices.Compact(codes) // a status twice must not list its orders twice
		if len(codes) == 0 {
			where = append(where, "false") // no valid status matches nothing
		}
	}
	// Constant predicates, so the planner can match the partial index.
	switch f.Approval {
	case oms.AwaitingApproval:
		where = append(where, "o.approval_required AND o.approval = 0")
	case oms.ApprovedOnly:
		where = append(where, "o.approval_required AND o.approval = 1")
	case oms.RejectedOnly:
		where = append(where, "o.approval_required AND o.approval = -1")
	case oms.NoApprovalNeeded:
		where = append(where, "NOT o.approval_required")
	}
	if f.ChannelType != "" {
		where = append(where, "o.channel_type = "+arg(string(f.ChannelType)))
	}
	if f.ChannelID != 0 {
		where = append(where, "o.channel_id = "+arg(f.ChannelID))
	}
	if f.Store != "" {
		where = append(where, "o.store = "+arg(f.Store))
	}
	if f.ClientID != "" {
		where = append(where, "o.client_id = "+arg(f.ClientID))
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "o.created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "o.created_at < "+arg(f.CreatedTo))
	}
	if p.Cursor != "" {
		at, id, err := oms.DecodeCursor(p.Cursor)
		if err != nil {
			return "", nil, 0, err
		}
		where = append(where, "(o.created_at, o.id) > ("+arg(at)+", "+arg(id)+")")
	}
	// The page is chosen first (an index range), then only its orders
	// get their lines.
	var b strings.Builder
	b.WriteString(orderColumnsSQL)
	// The limit is written into the text, not passed: a generic plan (a
	// prepared statement that PostgreSQL stops re-planning, or
	// plan_cache_mode = force_generic_plan) cannot see a parameter's value
	// and plans for a tenth of the table, a sequential scan and a sort.
	// PageLimit keeps it a small integer.
	lim := strconv.Itoa(limit + 1)
	page := func(status string) {
		b.WriteString("(SELECT * FROM orders o")
		conds := where
		if status != "" {
			conds = append([]string{"o.status = " + status}, where...)
		}
		if len(conds) > 0 {
			b.WriteString("\n\tWHERE ")
			b.WriteString(strings.Join(conds, " AND "))
		}
		b.WriteString("\n\tORDER BY o.created_at, o.id LIMIT ")
		b.WriteString(lim)
		b.WriteString(")")
	}
	switch {
	case len(codes) == 1:
		page(arg(codes[0]))
	case len(codes) > 1:
		// One page per status, each an index range of (status,
		// created_at, id), merged: ANY(...) with ORDER BY would sort every
		// order in those statuses for each page, however many there are.
		b.WriteString("(SELECT * FROM (")
		for i, c := range codes {
			if i > 0 {
				b.WriteString("\n\tUNION ALL ")
			}
			page(arg(c))
		}
		b.WriteString(") o\n\tORDER BY o.created_at, o.id LIMIT ")
		b.WriteString(lim)
		b.WriteString(")")
	default:
		page("")
	}
	b.WriteString(" o")
	b.WriteString(linesLateral)
	b.WriteString("\nORDER BY o.created_at, o.id")
	return b.String(), args, limit, nil
}

// List implements oms.Store: keyset pagination on (created_at, id), so a
// page is an index range and cursors survive inserts.
func (s *Store) List(ctx context.Context, f oms.Filter, p oms.Page) (oms.OrderPage, error) {
	q, args, limit, err := listQuery(f, p)
	if err != nil {
		return oms.OrderPage{}, err
	}
	var page oms.OrderPage
	err = s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrder(rows)
			if err != nil {
				return err
			}
			page.Orders = append(page.Orders, o)
		}
		return rows.Err()
	})
	if err != nil {
		return oms.OrderPage{}, fmt.Errorf("pgstore: list orders: %w", err)
	}
	if len(page.Orders) > limit {
		page.Orders = page.Orders[:limit]
		last := page.Orders[limit-1]
		page.Next = oms.EncodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// History implements oms.Store.
func (s *Store) History(ctx context.Context, orderID string) ([]oms.HistoryEntry, error) {
	var out []oms.HistoryEntry
	found := false
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		// One query: no row means no order; a row of NULLs, no history.
		rows, err := c.Query(ctx, `SELECT h.at, h.actor, h.from_status, h.to_status, h.event, h.reason
			FROM orders o LEFT JOIN order_history h ON h.order_id = o.id
			WHERE o.id = $1 ORDER BY h.seq`, orderID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			found = true
			var (
				at                *time.Time
				actor, ev, reason *string
				from, to          *int16
			)
			if err := rows.Scan(&at, &actor, &from, &to, &ev, &reason); err != nil {
				return err
			}
			if at == nil {
				continue
			}
			out = append(out, oms.HistoryEntry{OrderID: orderID, At: at.UTC(), Actor: *actor,
				From: oms.Status(*from), To: oms.Status(*to), Event: oms.EventName(*ev), Reason: *reason})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: history of %s: %w", orderID, err)
	}
	if !found {
		return nil, notFound(orderID)
	}
	return out, nil
}

// ClaimEvents implements oms.Store. Rows are locked with FOR UPDATE SKIP
// LOCKED, so concurrent claimers (in any process) pass over each other's
// rows instead of waiting, and leases are measured on the database clock
// (now()), so workers' clocks need not agree. limit <= 0 means 100.
func (s *Store) ClaimEvents(ctx context.Context, worker string, limit int, lease time.Duration) ([]oms.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []oms.Event
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `WITH c AS (
				SELECT id FROM outbox
				WHERE acked_at IS NULL AND (lease_until IS NULL OR lease_until <= now())
				ORDER BY id LIMIT $2
				FOR UPDATE SKIP LOCKED)
			UPDATE outbox e SET claimed_by = $1, lease_until = now() + $3 * interval '1 microsecond',
				attempts = e.attempts + 1
			FROM c WHERE e.id = c.id
			RETURNING e.id, e.type, e.order_id, e.event, e.from_status, e.to_status, e.actor, e.reason, e.at,
				e.channel_type, e.channel_id, e.attempts`, worker, limit, lease.Microseconds())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				e               oms.Event
				typ, ev, chType string
				from, to        int16
				attempts        int32
			)
			if err := rows.Scan(&e.ID, &typ, &e.OrderID, &ev, &from, &to, &e.Actor, &e.Reason, &e.At,
				&chType, &e.Channel.ID, &attempts); err != nil {
				return err
			}
			e.Type, e.Event, e.From, e.To = oms.EventType(typ), oms.EventName(ev), oms.Status(from), oms.Status(to)
			e.Channel.Type, e.At, e.Attempts = oms.ChannelType(chType), e.At.UTC(), int(attempts)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: claim events: %w", err)
	}
	// UPDATE … RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b oms.Event) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// AckEvents implements oms.Store.
func (s *Store) AckEvents(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return ctx.Err()
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "UPDATE outbox SET acked_at = now(), lease_until = NULL WHERE id = ANY($1) AND acked_at IS NULL", ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: ack events: %w", err)
	}
	return nil
}
