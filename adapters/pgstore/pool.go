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
	idle   []*pgx.Conn
	closed bool
}

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
	var c *pgx.Conn
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if c != nil {
		return c, nil
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
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	if !reuse {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = c.Close(ctx)
	}
}

// close closes idle connections; connections in use close on release.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range idle {
		_ = c.Close(ctx)
	}
}
