package store

import (
	"net/url"
	"slices"
	"strings"
)

// redactedMark replaces every secret of a DSN wherever it could be printed.
const redactedMark = "xxxxx"

// secretParam reports whether a PostgreSQL URL parameter carries a secret: password and
// sslpassword (libpq's and pgx's names), and anything else named like one, so a driver's new
// parameter is hidden before anyone thinks of it.
func secretParam(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "password") || strings.Contains(name, "secret") || strings.Contains(name, "token")
}

// RedactDSN returns dsn safe to print: the password of the userinfo and the value of every
// secret query parameter (password=, sslpassword=, ...) replaced by xxxxx. A DSN that is not a
// URL prints as its scheme only, since its secrets cannot be found reliably.
func RedactDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsn // sqlite:PATH carries no secret
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return schemeOf(dsn) + "://(unparsable)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redactedMark)
	}
	q := u.Query()
	changed := false
	for name, values := range q {
		if secretParam(name) {
			for i := range values {
				values[i] = redactedMark
			}
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// dsnSecrets are the secret values of dsn in every spelling a driver's error might print them
// (raw and URL-escaped), longest first so a secret that contains another is replaced whole.
func dsnSecrets(dsn string) []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		for name, values := range u.Query() {
			if secretParam(name) {
				for _, v := range values {
					add(v)
				}
			}
		}
	} else if at := strings.LastIndexByte(dsn, '@'); at > 0 {
		// An unparsable URL: whatever sits between "user:" and "@" may be a password.
		if creds := dsn[strings.Index(dsn, "://")+3 : at]; strings.Contains(creds, ":") {
			add(creds[strings.IndexByte(creds, ':')+1:])
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// redactedError is an error whose message has a DSN's secrets replaced; errors.Is and As still
// reach the driver's error underneath.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr hides secrets in err's message. Drivers print what they were given: pgx's parse
// errors show the whole URL with only the userinfo password hidden, so ?password= leaks.
func redactErr(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, s := range secrets {
		clean = strings.ReplaceAll(clean, s, redactedMark)
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}
