package httpapi

import (
	"net/http"
	"strings"
	"testing"
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
		check := func(err error) { requireClientError(t, body, err, 0) }
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
