package wasim

import (
	"net/http"
	"sync/atomic"

	"go.mau.fi/whatsmeow/types"
)

// Group pictures. WhatsApp answers a picture query with a signed CDN URL that anyone holding it
// may download. The simulator answers with a URL on its own listener, GET /pp/{group}/{id}, so a
// gateway's GroupDetail.image is a link that works in the sandbox. Before Listen (a simulator
// mounted in another server) there is no address to point at, and the URL uses the reserved
// host wasim.invalid instead.

// pictureBase is "http://HOST:PORT" once the server listens; read at every picture query, so it
// is atomic rather than under mu (the group engine calls it with its own lock held).
type pictureBase struct{ v atomic.Pointer[string] }

func (p *pictureBase) set(url string) { p.v.Store(&url) }

func (p *pictureBase) url(group types.JID, id string) string {
	base := "https://wasim.invalid"
	if b := p.v.Load(); b != nil {
		base = *b
	}
	return base + "/pp/" + group.User + "/" + id
}

// servePicture serves the current picture of a group. An id that is not the current one is 404:
// a replaced or removed picture's URL stops working, as a CDN link of a deleted object does.
func (s *Server) servePicture(w http.ResponseWriter, r *http.Request) {
	group := types.NewJID(r.PathValue("group"), types.GroupServer)
	id, jpeg, ok := s.groups.engine.Picture(group)
	if !ok || id != r.PathValue("id") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable") // an id never changes its bytes
	_, _ = w.Write(jpeg)
}
