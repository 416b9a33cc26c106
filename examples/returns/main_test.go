package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

// The example is documentation that must keep telling the same story: the
// statuses with their names and codes, the amounts, the stock figures and
// the refusals. Its clock and ids are fixed, so the output is this text.
func TestReturnsStory(t *testing.T) {
	checkStory(t, memstore.New())
}

// On PostgreSQL, as -dsn runs it, the story is the same.
func TestReturnsStoryPostgres(t *testing.T) {
	ctx := context.Background()
	pg, err := pgstore.Open(ctx, pgtest.DSN(t), pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkStory(t, pg)
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func checkStory(t *testing.T, store Store) {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), &out, store, func() string { return "ORD-0042" }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(story, "\n"), strings.Split(out.String(), "\n")); diff != "" {
		t.Fatalf("returns example output (-want +got):\n%s", diff)
	}
}

// A refusal the story expects that does not happen, or that happens for
// another reason, ends the run with an error.
func TestMissingRefusalFailsTheRun(t *testing.T) {
	try := func(err, kind error) (out error) {
		defer recoverDemo(&out)
		refused(io.Discard, "the step", err, kind)
		return nil
	}
	if err := try(nil, returns.ErrOverReturn); err == nil || err.Error() != "the step was not refused" {
		t.Errorf("no refusal: run ends with %v", err)
	}
	wrong := &oms.ForbiddenError{Actor: "x", Permission: oms.PermReturnsApprove, Action: "approve a return"}
	if err := try(wrong, returns.ErrOverReturn); !errors.Is(err, oms.ErrForbidden) || !strings.Contains(err.Error(), "wrong reason") {
		t.Errorf("refusal of another kind: run ends with %v", err)
	}
	if err := try(&returns.OverReturnError{OrderID: "o"}, returns.ErrOverReturn); err != nil {
		t.Errorf("the expected refusal: run ends with %v", err)
	}
}

const story = `1. Order SO-2026-0042 (ORD-0042) Delivered (5) on 2026-03-02: total 1232.31 RON (delivery 20.00), paid 1232.31 by bank_transfer, 124 loyalty points earned
   line 0: 4 × DRILL-18V 250.00, discount 100.00, net 900.00 + VAT 171.00, delivered 4
   line 1: 10 × BITS-SET 12.50, discount 6.25, net 118.75 + VAT 22.56, delivered 10
   return policy shown in the portal (30 days): "Unused goods within 30 days of delivery; 10% restocking fee (Makita 5%)."
   stock: DRILL-18V 0, BITS-SET 0
2. Day 12: client:acme asks for return RET-000001 (partially, approval pending (0)); order Return Pending (11)
   1 × DRILL-18V: gross 250.00 − discount 25.00 + VAT 42.75 = paid 267.75 (vendor makita)
   4 × BITS-SET: gross 50.00 − discount 2.50 + VAT 9.02 = paid 56.52 (vendor bosch)
   value 324.27 − restocking fee 19.04 = refund due 305.23
   a second request while this one waits: refused — returns: create for order ORD-0042: returns: order ORD-0042 (Return Pending (11)): return RET-000001 is waiting for a decision
   a request by another client: refused — returns: create for order ORD-0042: oms: client:bolt may not request a return on another client's order (needs returns.view)
   approval by the operator: refused — oms: ana may not approve a return (needs returns.approve)
3. RET-000001 approved (1) by dan: receipt note RCPT-000001, 33 loyalty points reversed; order Partial Refund (13)
   stock: DRILL-18V 1, BITS-SET 4
   refund RF-000001: 305.23 RON to bank_transfer on 2026-03-14 (goods unopened)
   refunded 305.23 of 1232.31 paid
   dispatching committed events:
   ↳ return.approved RET-000001: confirmation email to the client, task "Process refund"
   ↳ return.refunded: return RET-000001: refund 305.23 RON
   approved again: a no-op, still 305.23 refunded on RCPT-000001, stock DRILL-18V 1, BITS-SET 4
   a refund a cent above what is left of the payment: refused — returns: refund on order ORD-0042: returns: order ORD-0042: refund of 927.09 RON exceeds the 927.08 RON that may still be refunded (paid 1232.31, refunded 305.23)
4. Day 14: client:acme asks for 4 more drills
   4 drills of the 3 left to return: refused — returns: create for order ORD-0042: returns: order ORD-0042 line 0 (DRILL-18V): 4 requested but only 3 of 4 delivered are left to return
5. Week of 2026-03-09: 1 approved return(s), 0 mismatch(es)
   RET-000001 (order SO-2026-0042): approved 5 units, restocked 5
6. Day 33: client:acme asks to return a bit set
   a request after the 30-day window: refused — returns: create for order ORD-0042: returns: order ORD-0042: return window of 30 days exceeded by 3 days (delivered 2026-03-02, requested 2026-04-04)
7. Order history:
   2026-03-02 11:30  place                  Draft (0)            → Draft (0)
   2026-03-02 11:30  record_payment         Draft (0)            → Paid (14)            payment 1232.31
   2026-03-02 11:30  confirm                Paid (14)            → Confirmed (3)
   2026-03-02 11:30  ship                   Confirmed (3)        → Shipping (4)         AWB-2026-0077
   2026-03-02 11:30  deliver                Shipping (4)         → Delivered (5)
   2026-03-14 11:30  request_return         Delivered (5)        → Return Pending (11)  return RET-000001: ordered too many
   2026-03-14 13:30  approve_partial_return Return Pending (11)  → Partial Return (12)  return RET-000001: goods unopened
   2026-03-14 13:30  partial_refund         Partial Return (12)  → Partial Refund (13)  return RET-000001: refund 305.23 RON
   now Partial Refund (13)
`
