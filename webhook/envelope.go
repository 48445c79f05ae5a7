package webhook

import (
	"encoding/json"
	"time"

	"github.com/switchboard/switchboard"
)

// envelope is RyzeAPI's event envelope plus Switchboard's additive id, timestamp and seq.
// instanceData.token is left out on purpose: instance tokens are stored only as hashes, so the
// plaintext does not exist to send (and a credential in every payload would end up in receivers'
// logs).
type envelope struct {
	Event        string          `json:"event"`
	Data         json.RawMessage `json:"data"`
	InstanceData instanceData    `json:"instanceData"`
	ID           string          `json:"id"`
	Timestamp    string          `json:"timestamp"`
	Seq          int64           `json:"seq"`
}

type instanceData struct {
	BaseURL  string `json:"baseUrl"`
	Instance string `json:"instance"`
}

// Body is the JSON body of e for instance, the same bytes on every attempt.
func Body(e switchboard.Event, instance, baseURL string) ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	return json.Marshal(envelope{
		Event:        e.Type,
		Data:         data,
		InstanceData: instanceData{BaseURL: baseURL, Instance: instance},
		ID:           e.ID,
		Timestamp:    e.OccurredAt.UTC().Format(time.RFC3339Nano),
		Seq:          e.Seq,
	})
}

// Encoder returns the envelope encoder for WebSocket frames, with the same baseUrl as deliveries.
func Encoder(baseURL string) func(e switchboard.Event, instance string) ([]byte, error) {
	return func(e switchboard.Event, instance string) ([]byte, error) { return Body(e, instance, baseURL) }
}
