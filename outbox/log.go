package outbox

import "net/url"

// hostOf is what logs show of a webhook URL: its path and query may carry credentials.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
