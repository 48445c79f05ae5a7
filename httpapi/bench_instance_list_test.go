package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store/storetest"
)

// BenchmarkInstanceList is the request of `switchboard-bench -scenario http` without the
// network: GET /api/instance/list with an instance token, through the whole middleware chain,
// over the real SQLite store and the production JSON logger (writing to io.Discard, so the
// formatting is measured but not the write to stderr). Profile it with
//
//	go test ./httpapi -run '^$' -bench InstanceList -benchmem -cpuprofile cpu.out
func BenchmarkInstanceList(b *testing.B) {
	api, token := newListBench(b)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			serveList(b, api, token)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serveList(b, api, token)
			}
		})
	})
}

// newListBench builds the API as app.New does (limits lifted, as the benchmark lifts them) with
// one account and one instance, and returns the instance's token.
func newListBench(b *testing.B) (*Server, string) {
	b.Helper()
	st := storetest.Open(b)
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, "bench", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
	if err != nil {
		b.Fatal(err)
	}
	token := switchboard.NewToken(switchboard.InstanceTokenPrefix)
	inst := &switchboard.Instance{AccountID: acc.ID, Name: "bench-http", Settings: switchboard.DefaultSettings()}
	if err := st.CreateInstance(ctx, inst, switchboard.HashToken(token), 0); err != nil {
		b.Fatal(err)
	}
	api := New(Config{
		Accounts:        st,
		Instances:       st,
		Sessions:        newFakeSessions(),
		Logger:          slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "http"),
		RateLimit:       1_000_000_000,
		CreateRateLimit: 1_000_000_000,
	})
	b.Cleanup(api.Close)
	return api, token
}

// serveList serves one request. Its context can be cancelled, as net/http's always can: the
// database drivers start a watcher per query only for such contexts, so that cost is measured.
func serveList(b *testing.B, api *Server, token string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/instance/list", nil)
	req.Header.Set("token", token)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}
