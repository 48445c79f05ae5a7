// Package webhook sends one event to one receiver the Standard Webhooks way: the RyzeAPI
// envelope as the body, signed with the webhook's whsec_ secret (webhook-id, webhook-timestamp,
// webhook-signature headers, by the standard-webhooks Go library), over an http.Client the caller
// injects (the SSRF-guarded one in production), with a 15 s timeout, no redirects followed and at
// most 5 MiB of the answer read. It decides nothing about retries: package outbox does.
package webhook
