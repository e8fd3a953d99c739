package alert

import (
	"testing"
	"time"
)

func TestRuleFires(t *testing.T) {
	r := DefaultRule
	cases := []struct {
		name string
		s    Spread
		want bool
	}{
		{"new identifier, ten in the hour", Spread{Recent: 10}, true},
		{"new identifier, nine in the hour", Spread{Recent: 9}, false},
		// 168 in the week before: one an hour; 3 × 1 = 3 < 10.
		{"steady at one an hour, ten now", Spread{Recent: 10, Past: 168}, true},
		// 672 in the week: four an hour; 3 × 4 = 12 ≥ 12.
		{"steady at four an hour, twelve now", Spread{Recent: 12, Past: 672}, false},
		{"steady at four an hour, thirteen now", Spread{Recent: 13, Past: 672}, true},
	}
	for _, c := range cases {
		if got := r.Fires(c.s); got != c.want {
			t.Errorf("%s: fires %v, want %v (per hour %.2f)", c.name, got, c.want, r.PerWindow(c.s))
		}
	}
}

func TestRuleCheck(t *testing.T) {
	if err := DefaultRule.Check(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Rule{
		{Window: 0, Baseline: time.Hour, Factor: 3, MinCount: 10},
		{Window: 2 * time.Hour, Baseline: time.Hour, Factor: 3, MinCount: 10},
		{Window: time.Hour, Baseline: 7 * 24 * time.Hour, Factor: 0.5, MinCount: 10},
		{Window: time.Hour, Baseline: 7 * 24 * time.Hour, Factor: 3, MinCount: 1},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("rule %+v accepted", bad)
		}
	}
}
