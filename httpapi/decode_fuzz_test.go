package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
)

// FuzzDecodeBodies feeds arbitrary bytes to the decoder and the validators of the create and
// proxy bodies: no panic, and every refusal is a 4xx domain error.
func FuzzDecodeBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"x"}`, `{"name":"x","proxyEnabled":true,"proxyHost":"h","proxyPort":1080,"proxyProtocol":"socks5"}`,
		`{"enabled":true,"host":"[::1]","port":"65535","protocol":"http"}`, `{"proxyPort":1e400}`,
		`{"proxyPort":"\u0000"}`, `[[[[[[`, `{"name":"x"} {}`, `null`, ``, `{"autoRejectCalls":null}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		check := func(err error) {
			if err == nil {
				return
			}
			var domainErr *switchboard.Error
			if !errors.As(err, &domainErr) {
				t.Fatalf("%q: non-domain error %v", body, err)
			}
			if status := statusOf(domainErr.Code); status < 400 || status >= 500 {
				t.Fatalf("%q: status %d for %v", body, status, err)
			}
		}
		newReq := func() *http.Request {
			r, _ := http.NewRequest("POST", "/", strings.NewReader(body))
			return r
		}

		var create createInstanceRequest
		err := decodeJSON(newReq(), &create)
		check(err)
		if err == nil {
			check(create.settingsPatch.validate())
			_, err := (proxyInput{Enabled: create.ProxyEnabled, Host: create.ProxyHost, Port: create.ProxyPort,
				Protocol: create.ProxyProtocol, Username: create.ProxyUsername, Password: create.ProxyPassword}).toProxy(proxyCreateFields)
			check(err)
		}

		var proxy proxyRequest
		if err := decodeJSON(newReq(), &proxy); err == nil {
			_, err := proxyInput(proxy).toProxy(proxyRouteFields)
			check(err)
		} else {
			check(err)
		}
	})
}
