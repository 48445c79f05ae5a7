package httpapi

import (
	"bytes"
	"errors"
	"strconv"
)

// The answer of POST /api/instance/new carries the new instance token, shown once; Idempotency-Key
// exists there so that a client whose connection dropped can still get it. Keeping that answer
// for a day would otherwise put a working token in the database in clear, against the rule that
// tokens are stored only as hashes. So such an answer is sealed (AES-256-GCM under
// SWITCHBOARD_SECRET_KEY, the key of proxy passwords) before it is stored and opened to replay.
//
// Without a key the header is refused on these routes (400, naming the variable) rather than
// ignored: ignoring it would silently drop the protection the client asked for, and any key
// derived from what the database holds would protect nothing.
var errIdempotencyNeedsSecretKey = invalid("Idempotency-Key on this route needs SWITCHBOARD_SECRET_KEY on the server: " +
	"the answer it keeps holds the new token, which is stored only encrypted; send the request without the header, " +
	"or ask the operator to set the key")

// replaySealing seals and opens the stored answer of one (account, key). The plaintext starts with
// a line naming both, checked on opening, so a sealed answer copied into another account's or
// key's row does not open there. A nil replaySealing stores answers as they are.
type replaySealing func(opening bool, data []byte) ([]byte, error)

// noInstance seals what belongs to no instance row: the binding line does that job here.
const noInstance = 0

// replaySealing returns the sealing of (accountID, key), or nil when the server has no key.
func (s *Server) replaySealing(accountID int64, key string) replaySealing {
	if s.cfg.Sealer == nil {
		return nil
	}
	binding := []byte("switchboard idempotency v1 account=" + strconv.FormatInt(accountID, 10) +
		" key=" + strconv.Quote(key) + "\n")
	return func(opening bool, data []byte) ([]byte, error) {
		if !opening {
			return s.cfg.Sealer.Seal(append(bytes.Clone(binding), data...), noInstance)
		}
		plain, err := s.cfg.Sealer.Open(data, noInstance)
		if err != nil {
			return nil, err
		}
		body, ok := bytes.CutPrefix(plain, binding)
		if !ok {
			return nil, errors.New("sealed Idempotency-Key answer belongs to another account or key")
		}
		return body, nil
	}
}

func (f replaySealing) seal(body []byte) ([]byte, error) {
	if f == nil {
		return body, nil
	}
	return f(false, body)
}

func (f replaySealing) open(stored []byte) ([]byte, error) {
	if f == nil {
		return stored, nil
	}
	return f(true, stored)
}
