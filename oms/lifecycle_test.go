package oms

import (
	"context"
	"errors"
	"testing"

	"github.com/looplab/fsm"
)

// TestCompiledTableMatchesFSM is the oracle check: for every status and
// event, the compiled lookup agrees with a fresh looplab/fsm machine.
func TestCompiledTableMatchesFSM(t *testing.T) {
	ctx := context.Background()
	for _, from := range Statuses() {
		for _, tr := range table {
			f := fsm.NewFSM(from.String(), fsmEvents(table), nil)
			err := f.Event(ctx, string(tr.Event))
			got, ok := lifecycle.step(from, tr.Event, Delivered)
			if err != nil && !errors.As(err, &fsm.NoTransitionError{}) { // a self-move reports NoTransitionError
				if !errors.As(err, &fsm.InvalidEventError{}) {
					t.Fatalf("%s from %s: %v", tr.Event, from, err)
				}
				if ok {
					t.Errorf("%s from %s: fsm refuses, compiled table gives %s", tr.Event, from, got)
				}
				continue
			}
			want := f.Current()
			if want == backState {
				want = Delivered.String()
			}
			if !ok || got.String() != want {
				t.Errorf("%s from %s: fsm gives %s, compiled table %v (ok=%v)", tr.Event, from, want, got, ok)
			}
		}
	}
}

func TestCompileRejectsBadTables(t *testing.T) {
	bad := map[string][]Transition{
		"unknown status": {{Event: "x", From: []Status{Draft}, To: 99}},
		"duplicate":      {{Event: "x", From: []Status{Draft}, To: Processing}, {Event: "x", From: []Status{Processing}, To: Draft}},
		"unreachable":    {{Event: "x", From: []Status{Draft}, To: Processing}},
		"no source":      {{Event: "x", To: Processing}},
	}
	for name, tb := range bad {
		if _, err := compile(tb); err == nil {
			t.Errorf("%s: compile accepted the table", name)
		}
	}
}

func TestTableFacts(t *testing.T) {
	// Things the issue states about the machine, checked on the table.
	for _, s := range []Status{Shipping, Delivered, Return, Refund, PartialReturn, PartialRefund, ReturnPending, Cancelled, Failed} {
		if _, ok := Next(s, EvCancel); ok {
			t.Errorf("cancel allowed from %s", s)
		}
	}
	for _, s := range Statuses() {
		to, ok := Next(s, EvDeliver)
		if ok != (s == Shipping) || (ok && to != Delivered) {
			t.Errorf("deliver from %s: %v %v", s, to, ok)
		}
		if to, ok := Next(s, EvShip); ok && !(s == Confirmed || s == Ready) || ok && to != Shipping {
			t.Errorf("ship from %s allowed", s)
		}
	}
	for _, terminal := range []Status{Cancelled, Failed, Refund} {
		if evs := AvailableEvents(terminal); len(evs) != 0 {
			t.Errorf("%s is terminal but allows %v", terminal, evs)
		}
	}
	// The exported table is a copy.
	tb := Table()
	tb[0].From[0] = Refund
	if table[0].From[0] == Refund {
		t.Error("Table() exposes the package table")
	}
}
