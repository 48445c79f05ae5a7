package cluster

import (
	"testing"
)

// Rendezvous hashing spreads instances evenly, and removing a node moves only its instances.
func TestRendezvousSpreadsAndMovesOnlyTheLeaversShare(t *testing.T) {
	nodes := []string{"node1", "node2", "node3"}
	const n = 3000
	count := map[string]int{}
	before := make(map[int64]string, n)
	for id := int64(1); id <= n; id++ {
		before[id] = pick(id, nodes)
		count[before[id]]++
	}
	for _, node := range nodes {
		if c := count[node]; c < n/3*8/10 || c > n/3*12/10 {
			t.Errorf("%s got %d of %d instances, want about %d", node, c, n, n/3)
		}
	}
	survivors := []string{"node1", "node3"}
	for id := int64(1); id <= n; id++ {
		after := pick(id, survivors)
		if before[id] != "node2" && after != before[id] {
			t.Fatalf("instance %d moved from %s to %s though its node stayed", id, before[id], after)
		}
	}
	if got := pick(7, nil); got != "" {
		t.Fatalf("no nodes picked %q", got)
	}
}
