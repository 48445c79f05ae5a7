package store

import (
	"context"

	"github.com/switchboard/switchboard"
)

// writeInstance runs one UPDATE or DELETE of the instance row id (query's $1 is id, args are $2
// on) and then drops the row's token-cache entry, before the caller hears that the write is done.
// Every change to an instances row made by this package goes through here, so none can leave the
// token cache serving the old row in this process; TestInstanceWritesInvalidateTokenCache and
// TestInstanceWritesGoThroughWriteInstance enforce it. ErrNotFound is returned as is when no row
// matched.
//
// The entry is dropped even when the statement failed: the write may have committed before the
// error reached us (a lost connection), and a dropped entry only costs one database read.
func (s *Store) writeInstance(ctx context.Context, op string, id int64, query string, args ...any) error {
	defer s.instanceCache.invalidate(id)
	res, err := s.db.ExecContext(ctx, query, append([]any{id}, args...)...)
	return wrapUnlessNotFound(op, rowsChanged(res, err, switchboard.ErrNotFound))
}
