package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// Clients is an in-memory client directory: the channels.ClientDirectory
// the sync engine uses to find the buyer of an imported order by email and
// create one when none exists, plus Put, Get and List for the host
// program. The zero value is not usable; call NewClients.
//
// Emails are compared trimmed and case-insensitively, and one email
// belongs to at most one client (clients without an email are allowed):
// Put refuses an email another client holds with an error wrapping
// channels.ErrDuplicateClient, so FindOrCreate always finds at most one
// client. Clients created by FindOrCreate get the ids "C1", "C2"…, skipping
// ids already in use, no groups, and the email trimmed and in lower case.
//
// It is safe for concurrent use: concurrent FindOrCreate calls for one
// email create one client. Values are copied in and out. A call on a done
// context returns its error and changes nothing.
type Clients struct {
	mu      sync.RWMutex
	byID    map[string]oms.Client
	byEmail map[string]string // normalised email → client id
	next    int
}

var _ channels.ClientDirectory = (*Clients)(nil)

// NewClients returns an empty directory.
func NewClients() *Clients {
	return &Clients{byID: map[string]oms.Client{}, byEmail: map[string]string{}}
}

// emailKey is the form emails are compared in: trimmed, lower case.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// usableEmail reports whether a normalised email can key a client: one @
// with something on both sides and no spaces or angle brackets. The sync
// engine checks the syntax fully before calling FindOrCreate.
func usableEmail(k string) bool {
	at := strings.LastIndexByte(k, '@')
	return at > 0 && at < len(k)-1 && !strings.ContainsAny(k, " \t\r\n<>,;")
}

func cloneClient(c oms.Client) oms.Client {
	if len(c.Groups) == 0 {
		c.Groups = nil
	} else {
		c.Groups = slices.Clone(c.Groups)
	}
	return c
}

// FindOrCreate implements channels.ClientDirectory: it returns the client
// whose email is c.Email (trimmed, any case), creating it when there is
// none. An empty or unusable email is an error wrapping
// channels.ErrInvalidEmail.
func (d *Clients) FindOrCreate(ctx context.Context, c channels.Customer) (oms.Client, error) {
	if err := ctx.Err(); err != nil {
		return oms.Client{}, err
	}
	k := emailKey(c.Email)
	if !usableEmail(k) {
		return oms.Client{}, fmt.Errorf("memstore: client email %q: %w", c.Email, channels.ErrInvalidEmail)
	}
	d.mu.RLock()
	id, ok := d.byEmail[k]
	cl := d.byID[id]
	d.mu.RUnlock()
	if ok {
		return cloneClient(cl), nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byEmail[k]; ok { // created meanwhile
		return cloneClient(d.byID[id]), nil
	}
	for {
		d.next++
		id = "C" + strconv.Itoa(d.next)
		if _, taken := d.byID[id]; !taken {
			break
		}
	}
	cl = oms.Client{ID: id, Email: k}
	d.byID[id], d.byEmail[k] = cl, id
	return cloneClient(cl), nil
}

// Put adds or replaces the client with c.ID. The email is stored trimmed;
// "" is a client without one. An empty id is an error wrapping
// channels.ErrInvalid, an unusable email one wrapping
// channels.ErrInvalidEmail, and an email another client holds (any case)
// one wrapping channels.ErrDuplicateClient; a refused Put changes nothing.
func (d *Clients) Put(ctx context.Context, c oms.Client) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if strings.TrimSpace(c.ID) == "" {
		return fmt.Errorf("memstore: put client: empty id: %w", channels.ErrInvalid)
	}
	c = cloneClient(c)
	c.Email = strings.TrimSpace(c.Email)
	k := emailKey(c.Email)
	if k != "" && !usableEmail(k) {
		return fmt.Errorf("memstore: put client %s: email %q: %w", c.ID, c.Email, channels.ErrInvalidEmail)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if k != "" {
		if other, ok := d.byEmail[k]; ok && other != c.ID {
			return fmt.Errorf("memstore: put client %s: email %q belongs to client %s: %w", c.ID, c.Email, other, channels.ErrDuplicateClient)
		}
	}
	if old, ok := d.byID[c.ID]; ok {
		if oldKey := emailKey(old.Email); oldKey != "" {
			delete(d.byEmail, oldKey)
		}
	}
	d.byID[c.ID] = c
	if k != "" {
		d.byEmail[k] = c.ID
	}
	return nil
}

// Get returns the client with id, or an error wrapping channels.ErrNotFound.
func (d *Clients) Get(ctx context.Context, id string) (oms.Client, error) {
	if err := ctx.Err(); err != nil {
		return oms.Client{}, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.byID[id]
	if !ok {
		return oms.Client{}, fmt.Errorf("memstore: client %s: %w", id, channels.ErrNotFound)
	}
	return cloneClient(c), nil
}

// List returns every client, by id (bytewise).
func (d *Clients) List(ctx context.Context) ([]oms.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.RLock()
	out := make([]oms.Client, 0, len(d.byID))
	for _, c := range d.byID {
		out = append(out, cloneClient(c))
	}
	d.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
