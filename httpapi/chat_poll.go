package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

type pollVoteCountJSON struct {
	OptionName      string `json:"optionName"`
	OptionVoteCount int    `json:"optionVoteCount"`
}

type pollVoteDetailJSON struct {
	OptionHash    string `json:"optionHash"`
	OptionName    string `json:"optionName"`
	SenderJID     string `json:"senderJid"`
	VoteMessageID string `json:"voteMessageId"`
	CreatedAt     string `json:"createdAt"`
}

type pollData struct {
	MessageID   string               `json:"messageId"`
	Name        string               `json:"name"`
	Votes       []pollVoteCountJSON  `json:"votes"`
	VoteDetails []pollVoteDetailJSON `json:"voteDetails"`
}

type pollResponse struct {
	envelope
	MessageID string   `json:"messageId"`
	Data      pollData `json:"data"`
}

// optionHash is how WhatsApp names a poll option in a vote: SHA-256 of its text, upper-case hex.
func optionHash(option string) string {
	sum := sha256.Sum256([]byte(option))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// handleChatPoll tallies the votes on a poll (RyzeAPI §2.7.20). Votes arrive encrypted with the
// poll's secret and are stored decrypted as they come; each voter's latest vote counts (a
// new vote replaces the voter's earlier choice, an empty one withdraws it). Every option is
// listed, with 0 when nobody chose it. Options are known for polls sent through this API; for
// a poll received from someone else only the hashes are, and optionName is empty.
func (s *Server) handleChatPoll(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id, err := messageIDParam(r, "Message ID is required (use ?messageId=<message-id>)")
	if err != nil {
		return err
	}
	poll, err := s.storedMessage(r, inst, id, "Message not found")
	if err != nil {
		return err
	}
	if poll.Type != switchboard.MessagePoll {
		return invalid("The message is not a poll")
	}
	var created struct {
		Question string   `json:"question"`
		Options  []string `json:"options"`
	}
	_ = json.Unmarshal(poll.Payload, &created)
	names := map[string]string{}
	counts := make([]pollVoteCountJSON, len(created.Options))
	index := map[string]int{}
	for i, o := range created.Options {
		h := optionHash(o)
		names[h], index[h], counts[i] = o, i, pollVoteCountJSON{OptionName: o}
	}
	votes, err := s.cfg.Messages.PollVotes(r.Context(), inst.ID, poll.ID)
	if err != nil {
		return err
	}
	latest := map[switchboard.JID]*switchboard.StoredMessage{}
	var voters []switchboard.JID
	for _, v := range votes {
		if _, seen := latest[v.Sender]; !seen {
			voters = append(voters, v.Sender)
		}
		latest[v.Sender] = v
	}
	data := pollData{MessageID: poll.ID, Name: poll.Content, Votes: counts, VoteDetails: []pollVoteDetailJSON{}}
	if created.Question != "" {
		data.Name = created.Question
	}
	for _, voter := range voters {
		v := latest[voter]
		var chosen struct {
			OptionHashes []string `json:"optionHashes"`
		}
		_ = json.Unmarshal(v.Payload, &chosen)
		for _, h := range chosen.OptionHashes {
			if i, ok := index[h]; ok {
				data.Votes[i].OptionVoteCount++
			}
			data.VoteDetails = append(data.VoteDetails, pollVoteDetailJSON{OptionHash: h, OptionName: names[h],
				SenderJID: voter.User, VoteMessageID: v.ID, CreatedAt: v.Timestamp.UTC().Format(time.RFC3339)})
		}
	}
	writeJSON(w, http.StatusOK, pollResponse{envelope: ok("Poll votes retrieved successfully"), MessageID: poll.ID, Data: data})
	return nil
}
