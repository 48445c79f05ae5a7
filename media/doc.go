// Package media turns what clients send as pictures (an http(s) URL, a data URI or bare base64)
// into what WhatsApp takes: it fetches through package egress, caps sizes, sniffs the format,
// bounds the memory a decode may take, and resizes and re-encodes. Every failure is a
// CodeInvalid *switchboard.Error whose message says what was wrong with the image.
package media
