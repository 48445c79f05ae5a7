package whatsapp

import (
	"context"
	"errors"

	"go.mau.fi/whatsmeow"

	"github.com/switchboard/switchboard"
)

// PictureURL reads a group's picture URL. A community's parent is asked for with IsCommunity,
// which whatsmeow sends as a w:g2 query to the community itself, the way WhatsApp expects it for
// parents. No picture is not an error: WhatsApp answers 404 (ErrProfilePictureNotSet), or 204.
func (g *groupClient) PictureURL(ctx context.Context, group switchboard.JID, community bool) (string, error) {
	info, err := g.cli.GetProfilePictureInfo(ctx, toWAJID(group), &whatsmeow.GetProfilePictureParams{IsCommunity: community})
	switch {
	case errors.Is(err, whatsmeow.ErrProfilePictureNotSet):
		return "", nil
	case err != nil:
		return "", translate(err)
	case info == nil: // status 304, which only an id we did not send can cause
		return "", nil
	}
	return info.URL, nil
}
