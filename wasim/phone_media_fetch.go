package wasim

import (
	"go.mau.fi/whatsmeow"
)

// PhoneDownload is a phone fetching and decrypting an attachment that sits inside a message
// rather than at its top (a buttons message's image header, a carousel card's video): the same
// checks as for a top-level attachment (both hashes and the MAC).
func (s *Server) PhoneDownload(d whatsmeow.DownloadableMessage, kind whatsmeow.MediaType) ([]byte, error) {
	return s.decryptStored(d, kind)
}
