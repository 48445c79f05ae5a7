package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestPollVotesTallied: a phone votes on a poll the instance sent, then changes its vote; the
// poll route decrypts and counts the voter's latest choice, on SQLite and PostgreSQL.
func TestPollVotesTallied(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		bob := s.user("Bob")
		poll := s.sent("poll", map[string]any{"number": bob, "question": "Flavour?", "options": []string{"Chocolate", "Vanilla", "Lemon"}, "maxAnswer": 2})
		pollID := poll.Str("messageId")
		s.inbox(bob, pollID)
		instanceChat := types.NewJID(s.phone, types.DefaultUserServer)
		tally := func(want map[string]float64) map[string]any {
			t.Helper()
			var body map[string]any
			s.waitFor("the tally is "+fmtTally(want), func() bool {
				body = s.e.Do("GET", "/api/chat/poll/sender?messageId="+pollID, s.acc, nil).Want(http.StatusOK).Body
				for _, v := range body["data"].(map[string]any)["votes"].([]any) {
					v := v.(map[string]any)
					if v["optionVoteCount"] != want[v["optionName"].(string)] {
						return false
					}
				}
				return true
			})
			return body
		}
		if _, err := s.e.App.Sim().PhoneVote(context.Background(), bob, instanceChat, pollID, []string{"Chocolate"}); err != nil {
			t.Fatal(err)
		}
		first := tally(map[string]float64{"Chocolate": 1, "Vanilla": 0, "Lemon": 0})
		details := first["data"].(map[string]any)["voteDetails"].([]any)
		d := details[0].(map[string]any)
		if len(details) != 1 || d["senderJid"] != bob || d["optionName"] != "Chocolate" || d["optionHash"] != optionHashHex("Chocolate") ||
			first["data"].(map[string]any)["name"] != "Flavour?" || first["messageId"] != pollID {
			t.Fatalf("poll answer %v", first)
		}
		if _, err := s.e.App.Sim().PhoneVote(context.Background(), bob, instanceChat, pollID, []string{"Vanilla", "Lemon"}); err != nil {
			t.Fatal(err)
		}
		second := tally(map[string]float64{"Chocolate": 0, "Vanilla": 1, "Lemon": 1})
		if n := len(second["data"].(map[string]any)["voteDetails"].([]any)); n != 2 {
			t.Fatalf("vote details after the change: %v", second)
		}
		s.e.Do("GET", "/api/chat/poll/sender?messageId=NOPE", s.acc, nil).WantError(http.StatusNotFound, "Message not found")
		text := s.sent("text", map[string]any{"number": bob, "message": "hi"})
		s.e.Do("GET", "/api/chat/poll/sender?messageId="+text.Str("messageId"), s.acc, nil).WantError(http.StatusBadRequest, "The message is not a poll")
	})
}

func optionHashHex(option string) string {
	sum := sha256.Sum256([]byte(option))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func fmtTally(want map[string]float64) string {
	return fmt.Sprint(want)
}
