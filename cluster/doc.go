// Package cluster lets several gateway processes share one PostgreSQL database so that each
// paired instance's WhatsApp session runs on exactly one of them (switchboard.Ownership).
//
// Every node registers itself in cluster_nodes with its internal address and a heartbeat. A node
// runs an instance's session only while it holds the instance's row in instance_leases, which
// carries a fencing epoch and an expiry taken from the database's clock. The holder renews all
// its leases every Lease/5. A node that has not renewed for StopBound (2/3 of the lease) stops
// its sessions on its own, so they are down before the lease can expire; another node takes an
// instance over only once the lease is expired plus Grace, and raises the epoch when it does. The
// database refuses a lease going back to an older epoch and a session write carrying an epoch
// that is not the lease's (migration 0010's triggers).
//
// Which node claims a free instance is decided by rendezvous hashing over the live nodes, so a
// node joining or leaving moves only its share; a node holding instances that now hash elsewhere
// hands over at most MaxMoves per round, stopping each session before releasing its lease.
package cluster
