// Package store is Switchboard's persistence adapter: accounts, instances, idempotency records
// and jobs, on SQLite (the default, pure Go) or PostgreSQL, in the same database as whatsmeow's
// device store.
//
// *Store implements the domain's AccountStore, InstanceStore, IdempotencyStore and JobStore.
// Every query is written once, with $N placeholders, and runs on both engines; the schema is the
// only per-dialect text (migrations/). Token columns hold switchboard.HashToken outputs only,
// and the store refuses anything else. Secrets that must be read back are sealed by Sealer
// before they reach the store.
//
// The two token lookups are served from a short-lived in-memory cache (tokencache.go): writes
// through the same Store are seen at once, writes by another process after at most its TTL.
//
// Tests of other packages get a migrated store from package storetest.
package store
