package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The quickstart is documentation that must keep telling the same story:
// on the in-memory store, and on PostgreSQL as `-dsn` runs it, the output
// is this text (order ids, which are random, shown as <id>).
func TestQuickstartMemstore(t *testing.T) {
	checkStory(t, memstore.New())
}

var orderID = regexp.MustCompile(`o[0-9a-f]{27}`)

func checkStory(t *testing.T, store oms.Store) {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), &out, store); err != nil {
		t.Fatal(err)
	}
	got := orderID.ReplaceAllString(out.String(), "<id>")
	if diff := cmp.Diff(strings.Split(story, "\n"), strings.Split(got, "\n")); diff != "" {
		t.Fatalf("quickstart output (-want +got):\n%s", diff)
	}
}

const story = `1. A B2B client places a large order in the portal
placed by the client               SO-1001  status Draft (0)              approval pending (0)
   total 15234.39 RON (subtotal 12781.00, tax 2428.39, delivery 25.00) — over the 10,000 threshold
   awaiting-approval list: 1 order(s)
   operator tries to confirm: refused — oms: order <id>: confirm from Draft refused by approval: approval is pending

2. The sales manager approves; the operator confirms
approved                           SO-1001  status Draft (0)              approval approved (1)
confirmed                          SO-1001  status Confirmed (3)          approval approved (1)
   dispatching committed events:
   ↳ invoice issued for SO-1001: 15234.39 RON
   ↳ delivery note created for SO-1001 (2 line(s))

3. Warehouse ships with an Innoship AWB; the courier delivers
shipped (AWB 5749162310001)        SO-1001  status Shipping (4)           approval approved (1)
delivered                          SO-1001  status Delivered (5)          approval approved (1)
   delivered quantities: CHAIR-OAK ×20, TABLE-OAK ×2

4. A second order: the stock check fails
placed                             SO-1002  status Draft (0)              approval not required
stock check failed                 SO-1002  status Stock Unavailable (16) approval not required
   automation tries to confirm: refused — oms: order <id>: confirm from Stock Unavailable refused by stock-unavailable: only an operator moves an order out of Stock Unavailable
   back-order list: SO-1002 (Stock Unavailable (16))

5. A third order is cancelled by the operator
cancelled                          SO-1003  status Cancelled (8)          approval not required

6. Permissions
   operator tries to approve: refused — oms: ana (operator) may not decide on an approval (needs omnisales.approve)
   (errors.Is ErrForbidden: true)
   client tries to confirm: refused — oms: client:C-1042 may not fire "confirm" on an order (needs omnisales.edit)

History of SO-1001
   place                    Draft (0)          → Draft (0)          by client:C-1042
   (approval: approved)     Draft (0)          → Draft (0)          by mihai (sales manager)
   confirm                  Draft (0)          → Confirmed (3)      by ana (operator)
   ship                     Confirmed (3)      → Shipping (4)       by ana (operator)
   deliver                  Shipping (4)       → Delivered (5)      by ana (operator)
`

func TestQuickstartPostgres(t *testing.T) {
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
