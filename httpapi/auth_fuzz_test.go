package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzTokenFrom feeds arbitrary `token` and `Authorization` header values to the token parser:
// it never panics, never returns surrounding whitespace, and the `token` header, when it holds
// anything, always wins over Authorization.
func FuzzTokenFrom(f *testing.F) {
	for _, seed := range [][2]string{
		{"sba_abc", ""}, {"", "Bearer sbi_abc"}, {"", "bearer   x  "}, {"", "Basic dXNlcjpw"},
		{"  ", "Bearer"}, {"t", "Bearer other"}, {"\x00", "Bearer \xff"}, {"", "Bearer\tx"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, token, authorization string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header["Token"] = []string{token}
		r.Header["Authorization"] = []string{authorization}
		got := tokenFrom(r)
		if got != strings.TrimSpace(got) {
			t.Fatalf("token %q keeps surrounding whitespace", got)
		}
		if trimmed := strings.TrimSpace(token); trimmed != "" && got != trimmed {
			t.Fatalf("token header %q lost to Authorization %q: got %q", token, authorization, got)
		}
		if strings.TrimSpace(token) == "" && got != "" && !strings.Contains(authorization, got) {
			t.Fatalf("token %q does not come from Authorization %q", got, authorization)
		}
	})
}
