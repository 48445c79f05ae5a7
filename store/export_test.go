package store

import "context"

// AwaitInvalidations lets package store_test wait until the token-cache notifications committed so
// far have been applied (awaitInvalidations).
func (s *Store) AwaitInvalidations(ctx context.Context) error { return s.awaitInvalidations(ctx) }
