package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// ImportOrders runs the shop's orders job once: it lists the orders
// changed since the stored cursor, page by page, imports the new ones
// through the order core, moves existing ones to the shop's status when
// the lifecycle allows it, and stores the cursor after each page's orders
// are committed.
//
// A new order is placed (Draft, or Confirmed on an auto-confirm channel),
// submitted to Processing unless the shop shows it as a draft, then moved
// to the shop's status when the lifecycle has a move to it (else it stays
// and the diary says why). Its client comes from the ClientDirectory, its
// lines from the Catalogue and its payment mode from the shop's
// PaymentMap. A failed record goes to the diary and to the failed records
// (see RetryFailed) and the run goes on.
//
// Amounts: the lines carry the products with their discounts and taxes;
// everything else the buyer pays goes into the order's delivery fee, tax
// included: the shipping (ShippingFee + ShippingTax) and every fee (a
// cash-on-delivery fee, a surcharge; a negative fee lowers it, never
// below zero). The core keeps no tax on the delivery fee, so the order's
// Tax is the lines' tax alone, while its Total is the shop's. Fees are
// not lines because they are no products: nothing to pick, ship or
// return, and like shipping they are not refunded with returned goods.
//
// Reconciliation: when the shop reports a Total, the new order's total is
// compared with it. A difference larger than rounding (one minor unit per
// line and per fee, plus one for shipping) is flagged: the order is still
// imported, in the shop's status, since the sale happened and holding it
// would stop its fulfilment over what may be a rounding setting, and its
// diary record is OutcomeImported with Kind KindTotalMismatch and both
// totals in the message, for an operator to check (Tally.Flagged in the
// morning check; RecordFilter{Kind: KindTotalMismatch} lists them). It is
// no failure: nothing waits for RetryFailed and Config.OnFailure is not
// called. Only new orders are reconciled; later edits of an imported
// order in the shop are not.
//
// The diary gets one record per order read, whatever its outcome: an
// order left unchanged too, with a message saying why (seen already, only
// other facts changed, no lifecycle move to the shop's status, our own
// push coming back), so an operator can follow every order a run touched.
// This is not an option: a record is one small row per order read, written
// with its page in one batch, and an incremental walk reads only orders
// changed since the last one (plus a short overlap); a full re-read of a
// large shop (a lost cursor) writes one row per order once. The Run's
// counts (Unchanged among them) summarise the same records.
//
// The returned Run is the diary entry. The error is non-nil when the run
// ended early: the shop was unreachable after the retries (errors.Is
// KindUnreachable), the context ended, or storage failed; the cursor then
// stays after the last completed page, so the next run resumes there.
// With Config.Leases, a job another worker runs now is not started: the
// error wraps ErrLeaseHeld and the diary has no run.
func (e *Engine) ImportOrders(ctx context.Context, shopID string) (Run, error) {
	shop, ch, err := e.reg.Shop(shopID)
	if err != nil {
		return Run{}, err
	}
	return e.exclusive(ctx, shopID, JobOrders, func(ctx context.Context) (Run, error) {
		return e.importOrders(ctx, shop, ch)
	})
}

func (e *Engine) importOrders(ctx context.Context, shop Shop, ch Channel) (Run, error) {
	shopID := shop.ID
	r, err := e.startRun(ctx, shopID, JobOrders, false)
	if err != nil {
		return Run{}, err
	}
	conn, err := e.connector(ctx, shop)
	if err != nil {
		return r.finish(ctx, err)
	}
	if conn.Orders == nil {
		return r.finish(ctx, &SyncError{Kind: KindInternal, Shop: shopID, Job: JobOrders, Err: ErrNoConnector})
	}
	cursor, err := e.store.SyncCursor(ctx, shopID, JobOrders)
	if err != nil {
		return r.finish(ctx, fmt.Errorf("channels: read cursor: %w", err))
	}
	// The shop's failed imports, read once: an order imported now clears
	// its failed record, and only an order that has one costs the delete.
	// (One failed meanwhile by a webhook keeps its record until
	// RetryFailed finds it imported: harmless.)
	failures, err := e.store.SyncFailures(ctx, shopID)
	if err != nil {
		return r.finish(ctx, fmt.Errorf("channels: read failed records: %w", err))
	}
	failed := make(map[string]bool, len(failures))
	for _, f := range failures {
		if f.Job == JobOrders {
			failed[f.Key] = true
		}
	}
	for {
		var page OrderPage
		err := e.retry(ctx, func() error {
			var err error
			page, err = conn.Orders.ListOrders(ctx, cursor, e.cfg.PageSize)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return r.finish(ctx, ctx.Err())
			}
			return r.finish(ctx, &SyncError{Kind: kindOf(err), Shop: shopID, Job: JobOrders, Detail: "list orders", Err: err})
		}
		if page.Total > r.run.Total {
			r.run.Total = page.Total
		}
		for _, x := range page.Orders {
			if err := ctx.Err(); err != nil {
				return r.finish(ctx, err)
			}
			if err := e.importOne(ctx, r, shop, ch, x, 1, failed[x.ID]); err != nil {
				return r.finish(ctx, err)
			}
		}
		for _, u := range page.Unreadable {
			if err := e.unreadable(ctx, r, shop, u); err != nil {
				return r.finish(ctx, err)
			}
		}
		if err := r.flush(ctx); err != nil {
			return r.finish(ctx, err)
		}
		r.progress(ctx)
		// Every order of the page is committed (or recorded as failed):
		// only now may the cursor move past them.
		if page.Next != "" && page.Next != cursor {
			if err := e.store.SetSyncCursor(ctx, shopID, JobOrders, page.Next); err != nil {
				return r.finish(ctx, fmt.Errorf("channels: store cursor: %w", err))
			}
			cursor = page.Next
		} else if page.More {
			return r.finish(ctx, &SyncError{Kind: KindInternal, Shop: shopID, Job: JobOrders,
				Detail: "the source announced more pages without a new cursor"})
		}
		if !page.More {
			return r.finish(ctx, nil)
		}
	}
}

// ImportOrder imports or updates one shop order outside a run, for push
// notifications (a webhook) that deliver orders one by one: the same path
// as ImportOrders, without touching the cursor (the next pull sees the
// order again and finds nothing to do). Its diary record (every outcome,
// unchanged included) has RunID 0; a failed record waits for RetryFailed. The error is non-nil only when the
// shop is not configured, ctx ended or storage failed.
func (e *Engine) ImportOrder(ctx context.Context, shopID string, x ExternalOrder) (Record, error) {
	shop, ch, err := e.reg.Shop(shopID)
	if err != nil {
		return Record{}, err
	}
	rec, err := e.importRecord(ctx, shop, ch, x, 1, true)
	if err != nil {
		return rec, err
	}
	rec.Shop, rec.Job, rec.At = shop.ID, JobOrders, e.now()
	if err := e.store.AddSyncRecords(ctx, []Record{rec}); err != nil {
		return rec, fmt.Errorf("channels: write diary: %w", err)
	}
	if rec.Outcome == OutcomeFailed {
		e.recordFailed(ctx, rec)
	}
	return rec, nil
}

// importOne syncs one shop order and records the outcome in the run. Its
// error is fatal to the run (storage failed, or ctx ended). hadFailure
// says the order may have a failed record to clear.
func (e *Engine) importOne(ctx context.Context, r *runner, shop Shop, ch Channel, x ExternalOrder, attempt int, hadFailure bool) error {
	rec, err := e.importRecord(ctx, shop, ch, x, attempt, hadFailure)
	if err != nil {
		return err
	}
	r.note(rec)
	return nil
}

// importRecord syncs one order under its lock and keeps the failed
// records in step: a failure is recorded, and a success clears the
// order's failed record when hadFailure says it may have one.
func (e *Engine) importRecord(ctx context.Context, shop Shop, ch Channel, x ExternalOrder, attempt int, hadFailure bool) (Record, error) {
	start := time.Now()
	lk := e.orderLock(shop.ID, x.ID)
	lk.Lock()
	rec, err := e.syncOrder(ctx, shop, ch, x)
	lk.Unlock()
	rec.Duration = time.Since(start)
	if err != nil {
		return rec, err
	}
	if rec.Outcome == OutcomeFailed {
		if err := ctx.Err(); err != nil {
			return rec, err // a failure caused by the end of the run is no record's fault
		}
		now := e.now()
		xc := cloneExternal(x)
		f := FailedRecord{Shop: shop.ID, Job: JobOrders, Key: rec.Key, Order: &xc, Kind: rec.Kind, Message: rec.Message,
			Attempts: attempt, FirstAt: now, LastAt: now}
		if err := e.store.PutSyncFailure(ctx, f); err != nil {
			return rec, fmt.Errorf("channels: record failure: %w", err)
		}
	} else if hadFailure {
		if err := e.store.DeleteSyncFailure(ctx, shop.ID, JobOrders, rec.Key); err != nil {
			return rec, fmt.Errorf("channels: clear failure: %w", err)
		}
	}
	return rec, nil
}

// unreadable records an order the source could not decode; RetryFailed
// re-reads it when the source is an OrderGetter.
func (e *Engine) unreadable(ctx context.Context, r *runner, shop Shop, u UnreadableOrder) error {
	rec := Record{Key: u.ID, Outcome: OutcomeFailed, Kind: KindInvalidOrder, Message: fmt.Sprintf("unreadable: %v", u.Err)}
	if u.ID == "" {
		rec.Key = "(unreadable)"
	} else {
		now := e.now()
		f := FailedRecord{Shop: shop.ID, Job: JobOrders, Key: u.ID, Kind: rec.Kind, Message: rec.Message, Attempts: 1, FirstAt: now, LastAt: now}
		if err := e.store.PutSyncFailure(ctx, f); err != nil {
			return fmt.Errorf("channels: record failure: %w", err)
		}
	}
	r.note(rec)
	return nil
}

func cloneExternal(x ExternalOrder) ExternalOrder {
	x.Lines = append([]ExternalLine(nil), x.Lines...)
	x.Fees = append([]ExternalFee(nil), x.Fees...)
	return x
}

func failed(rec Record, k Kind, format string, args ...any) (Record, error) {
	rec.Outcome, rec.Kind, rec.Message = OutcomeFailed, k, fmt.Sprintf(format, args...)
	return rec, nil
}

// syncOrder imports or updates one order. The error is fatal (the
// engine's store failed); record failures are in the Record.
func (e *Engine) syncOrder(ctx context.Context, shop Shop, ch Channel, x ExternalOrder) (Record, error) {
	rec := Record{Key: x.ID}
	if strings.TrimSpace(x.ID) == "" {
		rec.Key = "(no id)"
		return failed(rec, KindInvalidOrder, "the shop sent an order without an id")
	}
	st, known, err := e.store.SyncState(ctx, shop.ID, x.ID)
	if err != nil {
		return rec, fmt.Errorf("channels: read sync state: %w", err)
	}
	key := oms.ExternalKey{Channel: ch.Ref(), Store: shop.ID, ExternalID: x.ID}
	cur, err := e.svc.Store().GetByExternal(ctx, key)
	switch {
	case errors.Is(err, oms.ErrNotFound) && x.Removed:
		rec.Outcome, rec.Message = OutcomeSkipped, "deleted in the shop before it was imported: not imported"
		return rec, nil
	case errors.Is(err, oms.ErrNotFound):
		return e.placeNew(ctx, shop, ch, x, rec)
	case err != nil:
		return failed(rec, KindInternal, "read order: %v", err)
	case x.Removed:
		rec.OrderID, rec.Outcome = cur.ID, OutcomeSkipped
		rec.Message = fmt.Sprintf("deleted in the shop: order %s left %s; cancel it by hand if the sale is off", cur.ID, cur.Status)
		return rec, nil
	}
	return e.updateExisting(ctx, shop, x, cur, st, known, rec)
}

func (e *Engine) placeNew(ctx context.Context, shop Shop, ch Channel, x ExternalOrder, rec Record) (Record, error) {
	target, ok := shop.Statuses.Inbound(x.Status)
	if !ok {
		return failed(rec, KindStatusNotMapped, "shop status %q has no order status: add it to the shop's status map", x.Status)
	}
	mode := ""
	if x.PaymentMethod != "" {
		if mode, ok = shop.Payments.Mode(x.PaymentMethod); !ok {
			return failed(rec, KindPaymentNotMapped, "payment method %q is not mapped: add it to the shop's payment map", x.PaymentMethod)
		}
		if !ch.Settings.AllowsPayment(mode) {
			return failed(rec, KindPaymentNotMapped, "payment mode %q (from %q) is not allowed on channel %s", mode, x.PaymentMethod, ch.Name)
		}
	}
	lines, kind, msg := e.lines(ctx, x)
	if kind != "" {
		return failed(rec, kind, "%s", msg)
	}
	email := strings.TrimSpace(x.Customer.Email)
	if !validEmail(email) {
		return failed(rec, KindClientNotCreated, "invalid email %q", email)
	}
	if e.cfg.Clients == nil {
		return failed(rec, KindClientNotCreated, "no client directory configured")
	}
	cust := x.Customer
	cust.Email = email
	client, err := e.cfg.Clients.FindOrCreate(ctx, cust)
	if err != nil {
		return failed(rec, KindClientNotCreated, "%s: %v", email, err)
	}
	if client.ID == "" {
		return failed(rec, KindClientNotCreated, "%s: the directory returned a client without an id", email)
	}
	if client.Email == "" {
		client.Email = email
	}
	fee := deliveryFee(x)
	o, err := e.svc.Place(ctx, e.actor, oms.NewOrder{
		Number: x.Number, Channel: ch.Ref(), Store: shop.ID, ExternalID: x.ID, Type: e.cfg.OrderType,
		Client: client, Lines: lines, Currency: strings.ToUpper(strings.TrimSpace(x.Currency)), DeliveryFee: &fee,
		PaymentMethod: mode, Billing: x.Billing, ShippingTo: x.Shipping, Notes: x.Note, CreatedAt: x.Created,
	})
	switch {
	case errors.Is(err, oms.ErrDuplicate):
		// Imported meanwhile: by a run that crashed before recording its
		// state, or by another process. It is an existing order now.
		cur, gerr := e.svc.Store().GetByExternal(ctx, oms.ExternalKey{Channel: ch.Ref(), Store: shop.ID, ExternalID: x.ID})
		if gerr != nil {
			return failed(rec, KindInternal, "read duplicate: %v", gerr)
		}
		return e.updateExisting(ctx, shop, x, cur, OrderState{}, false, rec)
	case errors.Is(err, oms.ErrInvalidOrder):
		return failed(rec, KindInvalidOrder, "%v", err)
	case err != nil:
		return failed(rec, KindInternal, "place order: %v", err)
	}
	rec.OrderID = o.ID
	mismatch := reconcile(x, o)
	note := ""
	switch {
	case target == oms.Draft:
	case o.Status != oms.Draft && target == oms.Processing:
		// The channel confirmed it on placement: past Processing already.
	default:
		_, _, note, err = e.advance(ctx, o, target, x.Status)
	}
	if err != nil {
		// The order exists; a later run (or RetryFailed) moves it on. A
		// later run does not reconcile it again: say it now.
		if mismatch != "" {
			return failed(rec, KindInternal, "imported as %s (%s), then: %v", o.Status, mismatch, err)
		}
		return failed(rec, KindInternal, "imported as %s, then: %v", o.Status, err)
	}
	st := OrderState{Shop: shop.ID, ExternalID: x.ID, OrderID: o.ID, ShopStatus: x.Status, ShopModified: x.Modified, SyncedAt: e.now()}
	if err := e.store.PutSyncState(ctx, st); err != nil {
		return rec, fmt.Errorf("channels: write sync state: %w", err)
	}
	rec.Outcome, rec.Message = OutcomeImported, note
	if mismatch != "" {
		rec.Kind, rec.Message = KindTotalMismatch, joinNotes(mismatch, note)
		e.log.LogAttrs(ctx, slog.LevelWarn, "sync order total mismatch", slog.String("shop", shop.ID),
			slog.String("key", x.ID), slog.String("order", o.ID), slog.String("detail", mismatch))
	}
	return rec, nil
}

// deliveryFee is what the buyer pays beyond the lines: the shipping and
// every fee, each with its tax; a negative sum (fees that are discounts
// larger than the rest) is zero, and reconcile flags what is lost.
func deliveryFee(x ExternalOrder) decimal.Decimal {
	fee := x.ShippingFee.Add(x.ShippingTax)
	for _, f := range x.Fees {
		fee = fee.Add(f.Total).Add(f.Tax)
	}
	if fee.IsNegative() {
		return decimal.Zero
	}
	return fee
}

// reconcile compares the shop's total with the new order's and describes
// a difference beyond rounding; "" when they agree or the shop reports no
// total. Rounding allows one minor unit per line and per fee, and one for
// the shipping: the shop rounds each of those amounts (and their taxes)
// on its own, and the core rounds each line's tax again.
func reconcile(x ExternalOrder, o oms.Order) string {
	if x.Total.IsZero() {
		return ""
	}
	m := oms.MinorUnits(o.Currency)
	tolerance := decimal.New(int64(len(x.Lines)+len(x.Fees)+1), -m)
	diff := o.Totals.Total.Sub(x.Total)
	if diff.Abs().LessThanOrEqual(tolerance) {
		return ""
	}
	return fmt.Sprintf("shop total %s %s, imported order total %s %s (difference %s)",
		x.Total.StringFixed(m), o.Currency, o.Totals.Total.StringFixed(m), o.Currency, diff.StringFixed(m))
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// updateExisting applies the shop's status to an order we already have,
// when the shop changed it since we last looked and the lifecycle allows
// the move.
func (e *Engine) updateExisting(ctx context.Context, shop Shop, x ExternalOrder, cur oms.Order, st OrderState, known bool, rec Record) (Record, error) {
	rec.OrderID = cur.ID
	rec.Outcome = OutcomeUnchanged
	if known && !x.Modified.IsZero() && !x.Modified.After(st.ShopModified) {
		// Seen already: a page read twice, or older than our push.
		rec.Message = fmt.Sprintf("no change since the last sync (shop modified %s)", x.Modified.UTC().Format(time.RFC3339))
		return rec, nil
	}
	if !known {
		st = OrderState{Shop: shop.ID, ExternalID: x.ID, OrderID: cur.ID}
	}
	save := func() error {
		st.ShopStatus, st.SyncedAt = x.Status, e.now()
		if x.Modified.After(st.ShopModified) {
			st.ShopModified = x.Modified
		}
		if err := e.store.PutSyncState(ctx, st); err != nil {
			return fmt.Errorf("channels: write sync state: %w", err)
		}
		return nil
	}
	slug := normSlug(x.Status)
	switch {
	case known && slug == normSlug(st.ShopStatus):
		rec.Message = fmt.Sprintf("shop status still %q: other changes in the shop are not imported", x.Status)
		return rec, save()
	case st.Pushed != "" && slug == st.Pushed:
		st.Pushed = ""
		rec.Message = fmt.Sprintf("shop shows our own push of %q", x.Status)
		return rec, save()
	}
	st.Pushed = "" // the shop moved past our last push
	target, ok := shop.Statuses.Inbound(x.Status)
	if !ok {
		return failed(rec, KindStatusNotMapped, "shop status %q has no order status: add it to the shop's status map", x.Status)
	}
	o, changed, note, err := e.advance(ctx, cur, target, x.Status)
	if err != nil {
		return failed(rec, KindInternal, "move to %s: %v", target, err)
	}
	if err := save(); err != nil {
		return rec, err
	}
	rec.Message = note
	switch {
	case changed:
		rec.Outcome = OutcomeUpdated
		rec.Message = fmt.Sprintf("%s → %s (shop %q)", cur.Status, o.Status, x.Status)
	case note == "":
		rec.Message = fmt.Sprintf("already %s, as the shop's %q", o.Status, x.Status)
	}
	return rec, nil
}

// advance moves o to target like moveTo, but a Draft order bound anywhere
// but Draft goes through Processing first: a shop order that is not a
// draft there was submitted, so a hold imported from the shop resumes to
// Processing rather than to Draft.
func (e *Engine) advance(ctx context.Context, o oms.Order, target oms.Status, shopStatus string) (oms.Order, bool, string, error) {
	moved := false
	if o.Status == oms.Draft && target != oms.Draft && target != oms.Processing {
		var note string
		var err error
		if o, moved, note, err = e.moveTo(ctx, o, oms.Processing, shopStatus); err != nil || note != "" {
			return o, moved, note, err
		}
	}
	o, changed, note, err := e.moveTo(ctx, o, target, shopStatus)
	return o, moved || changed, note, err
}

// moveTo moves o to target when the lifecycle has an event for it that the
// guards accept. Without one the order is left as it is and note says why:
// this is what keeps a pulled "processing" from overwriting our Shipping.
// err is a failure to write, not a refusal.
func (e *Engine) moveTo(ctx context.Context, o oms.Order, target oms.Status, shopStatus string) (oms.Order, bool, string, error) {
	for attempt := 0; attempt < 4; attempt++ {
		if o.Status == target {
			return o, false, "", nil
		}
		evs := EventsTo(o, target)
		if len(evs) == 0 {
			return o, false, fmt.Sprintf("no move from %s to %s (shop %q): order left as it is", o.Status, target, shopStatus), nil
		}
		var refusal error
		conflict := false
		for _, ev := range evs {
			moved, err := e.svc.Apply(ctx, e.actor, o.ID, oms.Change{Event: ev, Reason: "shop status " + shopStatus})
			switch {
			case err == nil:
				return moved, true, "", nil
			case errors.Is(err, oms.ErrConflict):
				conflict = true
			case errors.Is(err, oms.ErrInvalidTransition):
				refusal = err
				continue
			default:
				return o, false, "", err
			}
			break
		}
		if !conflict {
			return o, false, fmt.Sprintf("move from %s to %s (shop %q) refused: %v", o.Status, target, shopStatus, refusal), nil
		}
		// Changed under us: read again and decide again.
		fresh, err := e.svc.Store().Get(ctx, o.ID)
		if err != nil {
			return o, false, "", err
		}
		o = fresh
	}
	return o, false, "", fmt.Errorf("channels: order %s keeps changing: %w", o.ID, oms.ErrConflict)
}

// EventsTo returns, sorted, the lifecycle events that lead order o from its
// current status to target in one step (guards not evaluated). Resume and
// reject_return lead back to the status the order was held from.
func EventsTo(o oms.Order, target oms.Status) []oms.EventName {
	var out []oms.EventName
	for _, ev := range oms.AvailableEvents(o.Status) {
		to, ok := oms.Next(o.Status, ev)
		if ev == oms.EvResume || ev == oms.EvRejectReturn {
			to, ok = o.HeldFrom, true
		}
		if ok && to == target && to != o.Status {
			out = append(out, ev)
		}
	}
	return out
}

// lines turns the shop's lines into order lines; kind is set when one
// cannot be.
func (e *Engine) lines(ctx context.Context, x ExternalOrder) ([]oms.Line, Kind, string) {
	if len(x.Lines) == 0 {
		return nil, KindInvalidOrder, "order has no lines"
	}
	cur := strings.ToUpper(strings.TrimSpace(x.Currency))
	var known map[string]Product // from a CatalogueBatch: all lines in one call
	b, batched := e.cfg.Catalogue.(CatalogueBatch)
	if batched {
		skus := make([]string, 0, len(x.Lines))
		for _, l := range x.Lines {
			if sku := strings.TrimSpace(l.SKU); sku != "" && !slices.Contains(skus, sku) {
				skus = append(skus, sku)
			}
		}
		var err error
		if known, err = b.ProductsBySKU(ctx, skus); err != nil {
			return nil, KindInternal, fmt.Sprintf("catalogue lookup of %s: %v", strings.Join(skus, ", "), err)
		}
	}
	var missing []string
	out := make([]oms.Line, 0, len(x.Lines))
	for i, l := range x.Lines {
		sku := strings.TrimSpace(l.SKU)
		if sku == "" {
			missing = append(missing, fmt.Sprintf("line %d (%q) has no SKU", i+1, l.Name))
			continue
		}
		if e.cfg.Catalogue == nil {
			missing = append(missing, sku)
			continue
		}
		var p Product
		if batched {
			var ok bool
			if p, ok = known[sku]; !ok {
				missing = append(missing, sku)
				continue
			}
		} else {
			var err error
			p, err = e.cfg.Catalogue.ProductBySKU(ctx, sku)
			if errors.Is(err, ErrNotFound) {
				missing = append(missing, sku)
				continue
			}
			if err != nil {
				return nil, KindInternal, fmt.Sprintf("catalogue lookup of %s: %v", sku, err)
			}
		}
		if l.Quantity <= 0 {
			return nil, KindInvalidOrder, fmt.Sprintf("line %d (%s): quantity %d", i+1, sku, l.Quantity)
		}
		qty := decimal.NewFromInt(l.Quantity)
		sub := l.Subtotal
		discount := decimal.Zero
		if sub.IsZero() {
			sub = l.UnitPrice.Mul(qty)
		} else {
			discount = oms.RoundMoney(sub.Sub(l.Total), cur)
		}
		unit := sub.DivRound(qty, 8)
		value := oms.RoundMoney(unit.Mul(qty), cur)
		if discount.IsNegative() {
			discount = decimal.Zero
		}
		if discount.GreaterThan(value) {
			discount = value
		}
		rate := l.TaxRate
		if net := value.Sub(discount); rate.IsZero() && !l.Tax.IsZero() && net.IsPositive() {
			rate = l.Tax.Mul(decimal.NewFromInt(100)).DivRound(net, 4)
		}
		name := l.Name
		if name == "" {
			name = p.Name
		}
		out = append(out, oms.Line{ProductID: p.ID, SKU: sku, Name: name, ProductGroup: p.Group,
			Quantity: l.Quantity, UnitPrice: unit, Discount: discount, TaxRate: rate})
	}
	if len(missing) > 0 {
		return nil, KindSKUNotFound, "not in the catalogue: " + strings.Join(missing, ", ")
	}
	return out, "", ""
}

// validEmail accepts a bare address (no display name) with a dotted domain.
func validEmail(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	dom := s[at+1:]
	return at > 0 && strings.Contains(dom, ".") && !strings.HasPrefix(dom, ".") && !strings.HasSuffix(dom, ".")
}
