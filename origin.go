package switchboard

import (
	"context"
	"net/url"
	"strings"
)

// OriginStore keeps the browser origins each account allows to call the API (CORS). Origins are
// stored and compared in NormalizeOrigin's form.
type OriginStore interface {
	AllowedOrigins(ctx context.Context, accountID int64) ([]string, error)
	// SetAllowedOrigins replaces the account's list; an unknown account is ErrNotFound.
	SetAllowedOrigins(ctx context.Context, accountID int64, origins []string) error
	AccountAllowsOrigin(ctx context.Context, accountID int64, origin string) (bool, error)
	// AnyAccountAllowsOrigin answers a preflight, which carries no token.
	AnyAccountAllowsOrigin(ctx context.Context, origin string) (bool, error)
}

// NormalizeOrigin returns origin as browsers send it in the Origin header: lower-case
// scheme://host[:port], the scheme's default port left out. Only http and https origins with a
// host and nothing after it (no path, query, fragment or user) are accepted: anything else is
// not something a browser would send, so allowing it could only be a mistake.
func NormalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil {
		return "", Errorf(CodeInvalid, "origin must look like https://app.example.com")
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", Errorf(CodeInvalid, "origin must be http(s)://host[:port] with nothing after it, like https://app.example.com")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if host == "" {
		return "", Errorf(CodeInvalid, "origin must name a host, like https://app.example.com")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}
