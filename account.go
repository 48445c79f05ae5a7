package switchboard

import (
	"context"
	"time"
)

// Account owns instances. Its token is stored only as a hash.
type Account struct {
	ID           int64
	Name         string
	MaxInstances int // 0 means unlimited
	CreatedAt    time.Time
}

// AccountStore persists accounts. Lookups by token take the token's hash, never the token.
// Besides the errors named below, any method may return a wrapped database error, which callers
// answer as an internal failure.
type AccountStore interface {
	// CreateAccount inserts an account: ErrDuplicateAccountName when the name is taken,
	// ErrDuplicateTok when the hash already names an account or instance.
	CreateAccount(ctx context.Context, name string, maxInstances int, tokenHash string) (*Account, error)
	// AccountByTokenHash finds the account of a token: ErrNotFound for an unknown hash.
	AccountByTokenHash(ctx context.Context, tokenHash string) (*Account, error)
}
