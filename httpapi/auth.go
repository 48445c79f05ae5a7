package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard"
)

// principal is the authenticated caller: an account, or one instance of an account.
type principal struct {
	accountID int64
	account   *switchboard.Account  // set for account tokens
	instance  *switchboard.Instance // set for instance tokens
	tokenHash string                // the rate-limit key; tokens themselves are never kept
}

func (p *principal) isAccount() bool { return p.account != nil }

type principalKey struct{}

// principalFrom returns the caller of an authenticated route.
func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// tokenFrom reads the `token` header, RyzeAPI's transport, or else `Authorization: Bearer`. When
// both are present the `token` header wins, so a reverse proxy that adds its own Authorization
// cannot change who the caller is.
func tokenFrom(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get("token")); t != "" {
		return t
	}
	scheme, rest, found := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if found && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	return ""
}

// authScope says which tokens a route accepts.
type authScope int

const (
	scopeAny         authScope = iota // an account token or an instance token
	scopeAccountOnly                  // create, delete and the sandbox: an instance token is refused
)

// authenticate resolves the token to a principal. Only failures are counted per client IP, and
// only failures are refused when an IP is over its budget: the token is looked up first, so a
// valid token is never locked out by someone else's guesses from the same address (behind a
// reverse proxy without SWITCHBOARD_TRUSTED_PROXIES, every client shares one address).
func (s *Server) authenticate(r *http.Request, scope authScope) (*principal, error) {
	p, err := s.lookupToken(r.Context(), tokenFrom(r))
	if err == nil && scope == scopeAccountOnly && !p.isAccount() {
		err = errInvalidToken
	}
	if switchboard.IsCode(err, switchboard.CodeUnauthorized) {
		if d := s.limits.Take(r.Context(), switchboard.BucketAuthFailures, s.clientIP(r), s.cfg.AuthFailureLimit); !d.Allowed {
			s.metrics.refused(bucketAuthFailures)
			return nil, &authThrottled{decision: d}
		}
		if errors.Is(err, errMissingToken) && authorizationWithoutBearer(r) {
			err = &hintError{err: err, detail: hintBearer}
		}
	}
	return p, err
}

// hintBearer is error.detail for a token sent as `Authorization: <token>`: a common slip, since
// RyzeAPI's own transport is a header that takes the bare token.
const hintBearer = "The Authorization header needs the Bearer scheme: send `Authorization: Bearer <token>`, or the bare token in the `token` header."

// authorizationWithoutBearer says whether the request carries an Authorization header that
// tokenFrom ignored for want of the Bearer scheme.
func authorizationWithoutBearer(r *http.Request) bool {
	return strings.TrimSpace(r.Header.Get("Authorization")) != "" && strings.TrimSpace(r.Header.Get("token")) == ""
}

// authThrottled is the refusal of an IP that failed authentication too often.
type authThrottled struct{ decision decision }

func (e *authThrottled) Error() string { return errRateLimited.Message }
func (e *authThrottled) Unwrap() error { return errRateLimited }

// lookupToken finds the account, or else the instance, whose token hashes to the same value.
// Tokens with the instance prefix are looked up as instances first to save a query; custom
// instance tokens may look like anything, so both tables are always consulted before refusing.
func (s *Server) lookupToken(ctx context.Context, token string) (*principal, error) {
	if token == "" {
		return nil, errMissingToken
	}
	if len(token) > switchboard.MaxTokenLength {
		return nil, errInvalidToken
	}
	hash := switchboard.HashToken(token)
	lookups := []func() (*principal, error){
		func() (*principal, error) {
			acc, err := s.cfg.Accounts.AccountByTokenHash(ctx, hash)
			if err != nil {
				return nil, err
			}
			return &principal{accountID: acc.ID, account: acc, tokenHash: hash}, nil
		},
		func() (*principal, error) {
			inst, err := s.cfg.Instances.InstanceByTokenHash(ctx, hash)
			if err != nil {
				return nil, err
			}
			return &principal{accountID: inst.AccountID, instance: inst, tokenHash: hash}, nil
		},
	}
	if strings.HasPrefix(token, switchboard.InstanceTokenPrefix) {
		lookups[0], lookups[1] = lookups[1], lookups[0]
	}
	for _, lookup := range lookups {
		p, err := lookup()
		if err == nil {
			return p, nil
		}
		if !switchboard.IsCode(err, switchboard.CodeNotFound) {
			return nil, failed("Internal server error", err)
		}
	}
	return nil, errInvalidToken
}

// instanceFor resolves the {instance} path value within the caller's tenancy. Another account's
// instance is "not found", never 403, which would confirm that the name exists. An instance
// token used on a sibling instance of its own account gets 403, as RyzeAPI answers: the caller
// already knows the account's instances, so nothing is disclosed.
func (s *Server) instanceFor(r *http.Request) (*switchboard.Instance, error) {
	p := principalFrom(r.Context())
	name := r.PathValue("instance")
	if p == nil || !validInstanceName(name) {
		return nil, errInstanceNotFound
	}
	if p.instance != nil && p.instance.Name == name {
		return p.instance, nil
	}
	inst, err := s.cfg.Instances.InstanceByName(r.Context(), p.accountID, name)
	if err != nil {
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return nil, errInstanceNotFound
		}
		return nil, failed("Internal server error", err)
	}
	if inst.AccountID != p.accountID {
		// The store scopes by account; this guards against a store bug turning into a leak.
		return nil, errInstanceNotFound
	}
	if p.instance != nil {
		return nil, errInstanceTokenMismatch
	}
	return inst, nil
}

// rateLimit counts the request against the caller's buckets and writes the headers, which every
// authenticated answer carries, errors included.
func (s *Server) rateLimit(ctx context.Context, w http.ResponseWriter, p *principal, creates bool) error {
	now := s.now()
	global := s.limits.Take(ctx, switchboard.BucketGlobal, p.tokenHash, s.cfg.RateLimit)
	policies := []policy{{name: "global", d: global}}
	allowed := global.Allowed
	if creates && allowed {
		// A create refused here has still been counted globally: it reached the server.
		create := s.limits.Take(ctx, switchboard.BucketCreate, p.tokenHash, s.cfg.CreateRateLimit)
		policies = append(policies, policy{name: "create", d: create})
		allowed = create.Allowed
	}
	setRateHeaders(w.Header(), now, policies...)
	if !allowed {
		s.metrics.refused(policies[len(policies)-1].name)
		refused := policies[len(policies)-1].d
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(refused, now)))
		return errRateLimited
	}
	return nil
}
