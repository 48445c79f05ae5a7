package httpapi

import (
	"context"

	"github.com/switchboard/switchboard"
)

// pictureOf reads a group's picture URL for GroupDetail.image: nil when the group has no picture,
// and also when the read fails, since the rest of GroupDetail is still worth answering (the
// failure is logged). WhatsApp's URLs are signed and expire; clients should fetch them soon.
func (s *Server) pictureOf(ctx context.Context, gc switchboard.GroupClient, g *switchboard.Group) *string {
	url, err := gc.PictureURL(ctx, g.JID, g.IsCommunity)
	if err != nil {
		s.logFor(ctx).Warn("reading the group picture failed", "group", g.JID.String(), "err", err)
		return nil
	}
	if url == "" {
		return nil
	}
	return &url
}
