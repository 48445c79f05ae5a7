package e2e

import (
	"context"
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim"
)

// messageScene is a scene whose instance "sender" sends. Recipients are simulated phones whose
// own Signal stack decrypts what the gateway sends, so every assertion is on what the recipient
// really got.
type messageScene struct{ *scene }

func newMessageScene(t *testing.T, dsn string, configure ...func(*app.Config)) *messageScene {
	t.Helper()
	return &messageScene{startScene(t, dsn, "messages", "sender", configure...)}
}

// send calls a send route of the instance.
func (s *messageScene) send(route string, body any, headers ...string) *apptest.Response {
	s.t.Helper()
	if len(headers) > 0 {
		return doWithHeaders(s.t, s.e, "POST", "/api/message/"+route+"/sender", s.acc, body, headers...)
	}
	return s.e.Do("POST", "/api/message/"+route+"/sender", s.acc, body)
}

// sent sends and checks the documented answer: 200, status "sent", messageId at the top and
// under data, outgoing.
func (s *messageScene) sent(route string, body any) *apptest.Response {
	s.t.Helper()
	res := s.send(route, body).Want(http.StatusOK)
	id := res.Str("messageId")
	if id == "" || res.Str("data.messageId") != id || res.Str("status") != "sent" || res.Str("data.direction") != "outgoing" || res.Body["success"] != true {
		s.t.Fatalf("send answer lacks the documented fields: %s", res.Raw)
	}
	return res
}

// inbox waits until phone received a message with id and returns it.
func (s *messageScene) inbox(phone, id string) wasim.InboxMessage {
	s.t.Helper()
	var found wasim.InboxMessage
	s.waitFor("phone "+phone+" receives "+id, func() bool {
		msgs, _, err := s.e.App.Sim().Inbox(phone)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, m := range msgs {
			if m.ID == id {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// count is how many messages of phone's inbox match ok.
func (s *messageScene) count(phone string, ok func(wasim.InboxMessage) bool) int {
	msgs, _, err := s.e.App.Sim().Inbox(phone)
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if ok(m) {
			n++
		}
	}
	return n
}

// receipt waits until phone got a receipt of typ for id.
func (s *messageScene) receipt(phone, id, typ string) {
	s.t.Helper()
	s.waitFor("phone "+phone+" gets a "+typ+" receipt for "+id, func() bool {
		_, receipts, _ := s.e.App.Sim().Inbox(phone)
		for _, r := range receipts {
			for _, rid := range r.IDs {
				if rid == id && r.Type == typ {
					return true
				}
			}
		}
		return false
	})
}

// phoneSends has a simulated phone send a text to the instance and returns its id.
func (s *messageScene) phoneSends(from, text string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	id, err := s.e.App.Sim().PhoneSendText(ctx, from, types.NewJID(s.phone, types.DefaultUserServer), text)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// stored waits until getMessage finds id and returns the answer.
func (s *messageScene) stored(id string) *apptest.Response {
	s.t.Helper()
	var res *apptest.Response
	s.waitFor("message "+id+" is stored", func() bool {
		res = s.e.Do("GET", "/api/chat/getMessage/sender?messageId="+id, s.acc, nil)
		return res.Status == http.StatusOK
	})
	return res
}
