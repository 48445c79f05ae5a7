// Package egress is the one way out for connections made on a user's behalf: image and media
// URLs, webhooks, link previews, and the proxies instances dial through. Every such connection
// is checked against the private-address guard at dial time, on the address actually dialled
// (after DNS, on every redirect), so neither a DNS name pointing inside nor a redirect to
// 127.0.0.1 reaches the gateway's own network. The package imports only the standard library.
package egress
