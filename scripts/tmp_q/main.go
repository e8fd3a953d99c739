package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/triage"
)

func main() {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, os.Args[1])
	if err != nil {
		panic(err)
	}
	yes := true
	for _, f := range []triage.Filter{{Category: "fraud.scam", HasRelated: &yes}, {Category: "fraud.scam"}, {HasRelated: &yes}, {States: []triage.State{triage.StateNew}, Category: "fraud.scam", HasRelated: &yes}, {States: []triage.State{triage.StateAssigned}, Category: "fraud.scam", HasRelated: &yes}} {
		for i := 0; i < 3; i++ {
			t := time.Now()
			items, err := db.Queue(ctx, f)
			fmt.Println(len(items), err, time.Since(t))
		}
	}
}
