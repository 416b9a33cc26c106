package main

import (
	"context"
	"testing"
)

// The example is documentation that must keep running.
func TestWorkflow(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
