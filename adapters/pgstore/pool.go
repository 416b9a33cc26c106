package pgstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// errClosed is returned after Close.
var errClosed = errors.New("pgstore: store is closed")

// pool is a small connection pool. pgxpool would do, but its dependency
// (jackc/puddle) is not in this module's go.sum; this covers what the
// store needs: a bound on connections, context-aware waits, and never
// reusing a connection that is broken or left inside a transaction.
type pool struct {
	cfg *pgx.ConnConfig
	// slots holds one token per connection open or being opened.
	slots chan struct{}

	mu     sync.Mutex
	idle   []idleConn
	closed bool
}

type idleConn struct {
	c     *pgx.Conn
	since time.Time
}

// pingAfter is how long a connection may sit idle before it is pinged on
// reuse (as pgxpool does), so a server restart costs a reconnect rather
// than a failed call.
const pingAfter = time.Second

func newPool(cfg *pgx.ConnConfig, max int) *pool {
	return &pool{cfg: cfg, slots: make(chan struct{}, max)}
}

// acquire returns an idle connection or opens one, waiting for a free
// slot until ctx ends.
func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, errClosed
	}
	var ic idleConn
	if n := len(p.idle); n > 0 {
		ic = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if ic.c != nil {
		if time.Since(ic.since) < pingAfter || ic.c.Ping(ctx) == nil {
			return ic.c, nil
		}
		closeQuietly(ic.c)
		if err := ctx.Err(); err != nil {
			<-p.slots
			return nil, err
		}
	}
	c, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// release returns c to the pool, or closes it when it is broken, busy or
// still inside a transaction (status other than idle).
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slots }()
	pc := c.PgConn()
	p.mu.Lock()
	reuse := !p.closed && !c.IsClosed() && !pc.IsBusy() && pc.TxStatus() == 'I'
	if reuse {
		p.idle = append(p.idle, idleConn{c: c, since: time.Now()})
	}
	p.mu.Unlock()
	if !reuse {
		closeQuietly(c)
	}
}

func closeQuietly(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}

// close closes idle connections; connections in use close on release.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ic := range idle {
		closeQuietly(ic.c)
	}
}
