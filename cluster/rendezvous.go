package cluster

import (
	"hash/fnv"
	"strconv"
)

// pick is the rendezvous (highest random weight) choice of node for an instance: every node
// computes the same answer from the same live set, and removing a node moves only the
// instances that chose it.
func pick(instanceID int64, nodes []string) string {
	best, bestWeight := "", uint64(0)
	id := strconv.FormatInt(instanceID, 10)
	for _, node := range nodes {
		h := fnv.New64a()
		h.Write([]byte(node))
		h.Write([]byte{0})
		h.Write([]byte(id))
		if w := mix(h.Sum64()); best == "" || w > bestWeight {
			best, bestWeight = node, w
		}
	}
	return best
}

// mix spreads FNV's output (weak in its high bits for short inputs) over the whole range.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
