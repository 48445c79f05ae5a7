package wasim

import (
	"bytes"
	"compress/zlib"
	"context"
	"sort"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"
)

// sendInitialHistory plays the phone's initial history sync to a newly
// linked companion: an INITIAL_BOOTSTRAP HistorySync (zlib-compressed
// protobuf) listing the chats the phone has (those in its inbox and its
// groups, without message bodies) and their phone-number → LID mappings,
// uploaded to the media host encrypted with the history keys, announced by
// a HISTORY_SYNC_NOTIFICATION peer message (whatsmeow message.go
// handleProtocolMessage → DownloadHistorySync → events.HistorySync).
func (s *Server) sendInitialHistory(ctx context.Context, p *phone, target companion) {
	hs := &waHistorySync.HistorySync{
		SyncType:   waHistorySync.HistorySync_INITIAL_BOOTSTRAP.Enum(),
		ChunkOrder: proto.Uint32(1),
		Progress:   proto.Uint32(100),
	}
	for _, chat := range s.phoneChats(p) {
		hs.Conversations = append(hs.Conversations, &waHistorySync.Conversation{ID: proto.String(chat.String())})
		if chat.Server != types.DefaultUserServer {
			continue
		}
		s.mu.Lock()
		acc := s.accounts[chat.User]
		s.mu.Unlock()
		if acc != nil {
			hs.PhoneNumberToLidMappings = append(hs.PhoneNumberToLidMappings, &waHistorySync.PhoneNumberToLIDMapping{
				PnJID: proto.String(acc.pn().String()), LidJID: proto.String(acc.lid().String()),
			})
		}
	}
	raw, err := proto.Marshal(hs)
	if err != nil {
		return
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	up, err := s.uploadAsPhone(buf.Bytes(), whatsmeow.MediaHistory, "md-msg-hist")
	if err != nil {
		s.log.Warn("wasim: phone cannot upload history", "phone", p.number, "err", err)
		return
	}
	s.sendPeerMessage(ctx, p, target, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum(),
		HistorySyncNotification: &waE2E.HistorySyncNotification{
			FileSHA256: up.fileSHA256, FileLength: proto.Uint64(up.fileLength), MediaKey: up.mediaKey,
			FileEncSHA256: up.fileEncSHA256, DirectPath: proto.String(up.directPath),
			SyncType: waE2E.HistorySyncType_INITIAL_BOOTSTRAP.Enum(), ChunkOrder: proto.Uint32(1), Progress: proto.Uint32(100),
		},
	}})
}

// phoneChats lists the chats a phone has: its inbox's and its groups.
func (s *Server) phoneChats(p *phone) []types.JID {
	seen := make(map[types.JID]bool)
	p.inboxMu.Lock()
	for _, m := range p.inbox {
		seen[m.Chat] = true
	}
	p.inboxMu.Unlock()
	own := types.NewJID(p.number, types.DefaultUserServer)
	for _, g := range s.groupViews() {
		for _, m := range g.Participants {
			if m.JID == own {
				seen[g.JID] = true
			}
		}
	}
	out := make([]types.JID, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
