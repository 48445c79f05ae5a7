package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type carouselCardJSON struct {
	Header struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
		ImageURL string `json:"imageUrl"`
		VideoURL string `json:"videoUrl"`
	} `json:"header"`
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Footer  string       `json:"footer"`
	Buttons []buttonJSON `json:"buttons"`
}

type sendCarouselRequest struct {
	sendCommon
	Message string             `json:"message"`
	Footer  string             `json:"footer"`
	Cards   []carouselCardJSON `json:"cards"`
}

// WhatsApp shows at most 10 cards in a carousel and 3 buttons on a card.
const (
	maxCarouselCards = 10
	maxCardButtons   = 3
)

// handleSendCarousel sends cards swiped sideways, each with an optional image or video and
// buttons (RyzeAPI §2.6.8). Card media is fetched and uploaded like the media route's.
func (s *Server) handleSendCarousel(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendCarouselRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.Cards) < 1 || len(req.Cards) > maxCarouselCards {
		return invalid("cards must have between 1 and 10 items")
	}
	carousel := &switchboard.Carousel{Body: req.Message, Footer: req.Footer}
	var loaded []*loadedMedia // closed once the carousel is sent (their files back the upload)
	defer func() {
		for _, m := range loaded {
			m.close()
		}
	}()
	for i, c := range req.Cards {
		switch {
		case strings.TrimSpace(c.Header.Title) == "":
			return invalid(fmt.Sprintf("cards[%d].header.title is required", i))
		case strings.TrimSpace(c.Body.Text) == "":
			return invalid(fmt.Sprintf("cards[%d].body.text is required", i))
		case c.Header.ImageURL != "" && c.Header.VideoURL != "":
			return invalid(fmt.Sprintf("cards[%d].header takes imageUrl or videoUrl, not both", i))
		case len(c.Buttons) > maxCardButtons:
			return invalid(fmt.Sprintf("cards[%d].buttons has at most 3 items", i))
		}
		bs, err := buttons(fmt.Sprintf("cards[%d].buttons", i), c.Buttons)
		if err != nil {
			return err
		}
		card := switchboard.Card{Title: c.Header.Title, Subtitle: c.Header.Subtitle, Body: c.Body.Text, Footer: c.Footer, Buttons: bs}
		var m *loadedMedia
		card.MediaType, m, err = s.cardMedia(r, c.Header.ImageURL, c.Header.VideoURL)
		if err != nil {
			return err
		}
		if m != nil {
			loaded = append(loaded, m)
			card.Media = m.OutgoingMedia
		}
		carousel.Cards = append(carousel.Cards, card)
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageInteractive, false)
	if err != nil {
		return err
	}
	plan.msg.Carousel = carousel
	content := fmt.Sprintf("%s - Carousel with %d card(s)", req.Message, len(carousel.Cards))
	plan.content = &content
	return s.send(w, r, inst, plan)
}

// cardMedia loads a card's image or video; none when both URLs are empty.
func (s *Server) cardMedia(r *http.Request, imageURL, videoURL string) (switchboard.MessageType, *loadedMedia, error) {
	typ, url := switchboard.MessageImage, imageURL
	if strings.TrimSpace(videoURL) != "" {
		typ, url = switchboard.MessageVideo, videoURL
	}
	if strings.TrimSpace(url) == "" {
		return "", nil, nil
	}
	m, err := s.loadOutgoingMedia(r.Context(), typ, url, "", "", "")
	return typ, m, err
}
