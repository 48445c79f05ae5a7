package wasim

import (
	"fmt"
	"time"

	"go.mau.fi/libsignal/ecc"
	signallog "go.mau.fi/libsignal/logger"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// Serial numbers of the simulated certificate chain. whatsmeow requires the
// intermediate's issuer serial to be the constant WACertIssuerSerial (0) and
// the leaf's issuer serial to equal the intermediate's serial.
const (
	intermediateSerial = 1
	leafSerial         = 2
)

// certValidity is deliberately generous: whatsmeow checks notBefore/notAfter
// against the local clock, and a simulator that has been persisted for a long
// time, or runs on a skewed CI clock, must keep working.
const (
	certBackdate = 365 * 24 * time.Hour
	certLifetime = 20 * 365 * 24 * time.Hour
)

func init() {
	// libsignal creates its global default logger lazily, unsynchronised, on
	// first use; simulators signing concurrently (parallel tests, the
	// benchmark) would race on it. A Debug call initialises it here, before
	// any goroutine exists, and prints nothing (the default Debug is a no-op).
	signallog.Debug()
}

// InstallTrustRoot makes every whatsmeow client in this process accept
// certificate chains issued by the simulator root whose public key is pub.
//
// whatsmeow.WACertPubKey is process-global and read without synchronisation
// during every handshake, so call this exactly once, before any client
// connects (for tests: in TestMain), and share one root among all simulators
// of the process. A process that calls it can no longer talk to the real
// WhatsApp service, which is why only sandbox and test code may call it.
func InstallTrustRoot(pub [32]byte) {
	whatsmeow.WACertPubKey = pub
}

// NewRootKey generates a fresh simulator root key pair.
func NewRootKey() *keys.KeyPair {
	return keys.NewKeyPair()
}

// issueCertChain builds root → intermediate → leaf, where the leaf certifies
// the server's Noise static key. The intermediate key is thrown away: nothing
// but this chain ever needs it.
func issueCertChain(root *keys.KeyPair, leafPub [32]byte, now time.Time) ([]byte, error) {
	intermediate := keys.NewKeyPair()
	interDetails, err := certDetails(intermediateSerial, whatsmeow.WACertIssuerSerial, intermediate.Pub[:], now)
	if err != nil {
		return nil, err
	}
	leafDetails, err := certDetails(leafSerial, intermediateSerial, leafPub[:], now)
	if err != nil {
		return nil, err
	}
	interSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*root.Priv), interDetails)
	leafSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*intermediate.Priv), leafDetails)
	chain, err := proto.Marshal(&waCert.CertChain{
		Intermediate: &waCert.CertChain_NoiseCertificate{Details: interDetails, Signature: interSig[:]},
		Leaf:         &waCert.CertChain_NoiseCertificate{Details: leafDetails, Signature: leafSig[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal cert chain: %w", err)
	}
	return chain, nil
}

func certDetails(serial, issuer uint32, key []byte, now time.Time) ([]byte, error) {
	return proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial:       proto.Uint32(serial),
		IssuerSerial: proto.Uint32(issuer),
		Key:          key,
		NotBefore:    proto.Uint64(uint64(now.Add(-certBackdate).Unix())),
		NotAfter:     proto.Uint64(uint64(now.Add(certLifetime).Unix())),
	})
}
