package store_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestSandboxSealingKeyIsCreatedOnceAndKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const callers = 8
		keys := make([][]byte, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				var err error
				keys[i], err = s.SandboxSealingKey(ctx(t))
				must(t, "SandboxSealingKey", err)
			})
		}
		wg.Wait()
		if len(keys[0]) != 32 || bytes.Equal(keys[0], make([]byte, 32)) {
			t.Fatalf("key = %x, want 32 random bytes", keys[0])
		}
		for i, k := range keys {
			if !bytes.Equal(k, keys[0]) {
				t.Fatalf("caller %d got another key than caller 0", i)
			}
		}
		again, err := s.SandboxSealingKey(ctx(t))
		must(t, "SandboxSealingKey", err)
		if !bytes.Equal(again, keys[0]) {
			t.Fatal("the key changed between calls")
		}
	})
}
