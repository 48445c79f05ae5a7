package httpapi

import (
	"encoding/base64"

	"github.com/skip2/go-qrcode"
)

// qrPixels is the rendered QR's side. WhatsApp's pairing QR holds about 150 characters; at 256
// pixels each module stays several pixels wide, readable from a phone held to a screen.
const qrPixels = 256

// qrDataURI renders text as a PNG QR code inside a data URI, RyzeAPI's qrCodeBase64 field.
// Medium error correction matches what WhatsApp Web displays.
func qrDataURI(text string) (string, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, qrPixels)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
