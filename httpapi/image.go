package httpapi

import "context"

// loadImage turns a client's `image` value into the JPEG WhatsApp takes as a group picture (see
// media.Loader.GroupPicture); failures are CodeInvalid errors whose message can be shown as is.
func (s *Server) loadImage(ctx context.Context, value string) ([]byte, error) {
	return s.media.GroupPicture(ctx, value)
}
