package wasim

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/util/cbcutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// mediaHMACLength is the MAC suffix of an encrypted file (download.go).
const mediaHMACLength = 10

// encryptedMedia is what a phone's upload produced, for the message fields.
type encryptedMedia struct {
	directPath    string
	mediaKey      []byte
	fileEncSHA256 []byte
	fileSHA256    []byte
	fileLength    uint64
}

// mediaKeys expands a media key as whatsmeow does (download.go getMediaKeys).
func mediaKeys(mediaKey []byte, appInfo whatsmeow.MediaType) (iv, cipherKey, macKey []byte) {
	x := hkdfutil.SHA256(mediaKey, nil, []byte(appInfo), 112)
	return x[:16], x[16:48], x[48:80]
}

// uploadAsPhone encrypts a file as whatsmeow's Upload does (AES-256-CBC,
// then the first 10 bytes of HMAC-SHA256 over iv ‖ ciphertext) and stores it
// on the media host directly, as the phone's own upload would.
func (s *Server) uploadAsPhone(data []byte, appInfo whatsmeow.MediaType, mmsType string) (encryptedMedia, error) {
	mediaKey := make([]byte, 32)
	_, _ = rand.Read(mediaKey)
	iv, cipherKey, macKey := mediaKeys(mediaKey, appInfo)
	ct, err := cbcutil.Encrypt(cipherKey, iv, data)
	if err != nil {
		return encryptedMedia{}, err
	}
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ct)
	body := append(ct, mac.Sum(nil)[:mediaHMACLength]...)
	encSum := sha256.Sum256(body)
	plainSum := sha256.Sum256(data)
	return encryptedMedia{
		directPath:    s.media.put(mmsType, body, s.now()),
		mediaKey:      mediaKey,
		fileEncSHA256: encSum[:],
		fileSHA256:    plainSum[:],
		fileLength:    uint64(len(data)),
	}, nil
}

// downloadableOf finds a message's attachment and the key info it uses.
func downloadableOf(m *waE2E.Message) (whatsmeow.DownloadableMessage, whatsmeow.MediaType, string, string) {
	switch {
	case m.GetImageMessage() != nil:
		x := m.GetImageMessage()
		return x, whatsmeow.MediaImage, x.GetMimetype(), ""
	case m.GetVideoMessage() != nil:
		x := m.GetVideoMessage()
		return x, whatsmeow.MediaVideo, x.GetMimetype(), ""
	case m.GetAudioMessage() != nil:
		x := m.GetAudioMessage()
		return x, whatsmeow.MediaAudio, x.GetMimetype(), ""
	case m.GetDocumentMessage() != nil:
		x := m.GetDocumentMessage()
		return x, whatsmeow.MediaDocument, x.GetMimetype(), x.GetFileName()
	case m.GetStickerMessage() != nil:
		x := m.GetStickerMessage()
		return x, whatsmeow.MediaImage, x.GetMimetype(), ""
	}
	return nil, "", "", ""
}

// fetchAttachment downloads and decrypts a message's attachment from the
// media host, checking both hashes and the MAC as a receiving client does.
// nil when the message has none or it cannot be fetched.
func (s *Server) fetchAttachment(m *waE2E.Message) *InboxMedia {
	d, appInfo, mimetype, fileName := downloadableOf(m)
	if d == nil {
		return nil
	}
	data, err := s.decryptStored(d, appInfo)
	if err != nil {
		s.log.Info("wasim: phone cannot fetch attachment", "path", d.GetDirectPath(), "err", err)
		return nil
	}
	return &InboxMedia{Mimetype: mimetype, FileName: fileName, SHA256: sha256.Sum256(data), Size: len(data), Data: data}
}

func (s *Server) decryptStored(d whatsmeow.DownloadableMessage, appInfo whatsmeow.MediaType) ([]byte, error) {
	blob, _ := s.media.get(d.GetDirectPath(), s.now())
	if blob == nil {
		return nil, errors.New("no such blob")
	}
	body := blob.data
	if sum := sha256.Sum256(body); !hmac.Equal(sum[:], d.GetFileEncSHA256()) || len(body) < mediaHMACLength {
		return nil, errors.New("encrypted hash mismatch")
	}
	iv, cipherKey, macKey := mediaKeys(d.GetMediaKey(), appInfo)
	ct, tag := body[:len(body)-mediaHMACLength], body[len(body)-mediaHMACLength:]
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ct)
	if !hmac.Equal(mac.Sum(nil)[:mediaHMACLength], tag) {
		return nil, errors.New("bad media MAC")
	}
	// cbcutil decrypts in place; the stored blob must stay intact for others.
	data, err := cbcutil.Decrypt(cipherKey, iv, bytes.Clone(ct))
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); !hmac.Equal(sum[:], d.GetFileSHA256()) {
		return nil, errors.New("plaintext hash mismatch")
	}
	return data, nil
}
