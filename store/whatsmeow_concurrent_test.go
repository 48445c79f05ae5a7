package store_test

import (
	"sync"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// Nodes of a cluster start at the same moment on a new database: every one of them opens the
// store and upgrades whatsmeow's tables, and none fails for having raced another.
func TestConcurrentFirstStartsOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	for range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.Open(t.Context(), dsn, nil, store.WithTokenCacheTTL(0))
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			if _, err := s.Whatsmeow(t.Context(), nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
