package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestSendInteractiveArriveAsAsked sends buttons (with an image header fetched by URL), a list,
// a carousel, a form and a PIX card; the phone decodes each to the proto WhatsApp renders, with
// the asked texts, ids and parameters, and downloads the header image intact.
func TestSendInteractiveArriveAsAsked(t *testing.T) {
	png, _ := base64.StdEncoding.DecodeString(pngBase64(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(png) }))
	defer srv.Close()
	s := newMessageScene(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.AllowPrivateImageURLs = true })
	bob := s.user("Bob")

	btn := s.sent("button", map[string]any{"number": bob, "contentText": "Pick one", "footerText": "thanks",
		"mediaUrl": srv.URL + "/h.png", "mediaType": "IMAGE",
		"buttons": []map[string]any{{"id": "yes", "displayText": "Yes"}, {"id": "https://example.com/x", "displayText": "Site", "type": "url"}}})
	bm := s.inbox(bob, btn.Str("messageId")).Message.GetButtonsMessage()
	if bm.GetContentText() != "Pick one" || bm.GetFooterText() != "thanks" || len(bm.GetButtons()) != 2 ||
		bm.GetButtons()[0].GetButtonID() != "yes" || bm.GetButtons()[0].GetType() != waE2E.ButtonsMessage_Button_RESPONSE ||
		bm.GetButtons()[0].GetButtonText().GetDisplayText() != "Yes" ||
		bm.GetButtons()[1].GetNativeFlowInfo().GetName() != "cta_url" || bm.GetHeaderType() != waE2E.ButtonsMessage_IMAGE {
		t.Fatalf("buttons at the phone: %v", bm)
	}
	var urlParams map[string]string
	if err := json.Unmarshal([]byte(bm.GetButtons()[1].GetNativeFlowInfo().GetParamsJSON()), &urlParams); err != nil || urlParams["url"] != "https://example.com/x" || urlParams["display_text"] != "Site" {
		t.Fatalf("URL button parameters %q (%v)", bm.GetButtons()[1].GetNativeFlowInfo().GetParamsJSON(), err)
	}
	header, err := s.e.App.Sim().PhoneDownload(bm.GetImageMessage(), whatsmeow.MediaImage)
	if err != nil || sha256.Sum256(header) != sha256.Sum256(png) {
		t.Fatalf("the phone fetched a header of %d bytes (%v), want the %d sent", len(header), err, len(png))
	}
	if btn.Str("data.messageType") != "buttons" || btn.Str("data.content") != "Pick one" {
		t.Fatalf("buttons answer: %s", btn.Raw)
	}
	s.send("button", map[string]any{"number": bob, "contentText": "x", "buttons": []map[string]any{{"id": "1", "displayText": "a"}, {"id": "2", "displayText": "b"}, {"id": "3", "displayText": "c"}, {"id": "4", "displayText": "d"}}}).
		WantError(http.StatusBadRequest, "buttons must have between 1 and 3 items")
	s.send("button", map[string]any{"number": bob, "contentText": "x", "buttons": []map[string]any{{"id": "1", "displayText": "a", "type": "SMS"}}}).
		WantError(http.StatusBadRequest, "buttons[0].type must be REPLY, URL, CALL or COPY")

	list := s.sent("list", map[string]any{"number": bob, "contentText": "Our menu", "buttonText": "See options", "headerText": "Menu",
		"sections": []map[string]any{{"title": "Pizzas", "rows": []map[string]any{{"id": "margherita", "title": "Margherita", "description": "Tomato"}, {"id": "funghi", "title": "Funghi"}}}}})
	lm := s.inbox(bob, list.Str("messageId")).Message.GetListMessage()
	if lm.GetDescription() != "Our menu" || lm.GetButtonText() != "See options" || lm.GetTitle() != "Menu" || lm.GetListType() != waE2E.ListMessage_SINGLE_SELECT ||
		len(lm.GetSections()) != 1 || lm.GetSections()[0].GetTitle() != "Pizzas" || len(lm.GetSections()[0].GetRows()) != 2 ||
		lm.GetSections()[0].GetRows()[0].GetRowID() != "margherita" || lm.GetSections()[0].GetRows()[0].GetDescription() != "Tomato" {
		t.Fatalf("list at the phone: %v", lm)
	}
	if list.Str("data.messageType") != "list" {
		t.Fatalf("list answer: %s", list.Raw)
	}
	s.send("list", map[string]any{"number": bob, "contentText": "x", "buttonText": "y", "sections": []map[string]any{{"title": "s", "rows": []map[string]any{}}}}).
		WantError(http.StatusBadRequest, "sections[0].rows must have between 1 and 10 items")

	car := s.sent("carousel", map[string]any{"number": bob, "message": "This week", "cards": []map[string]any{
		{"header": map[string]any{"title": "Promo", "imageUrl": srv.URL + "/c.png"}, "body": map[string]any{"text": "Two for one"},
			"buttons": []map[string]any{{"id": "promo", "displayText": "I want it"}, {"id": "CODE10", "displayText": "Copy code", "type": "COPY"}}},
		{"header": map[string]any{"title": "Call us"}, "body": map[string]any{"text": "Any time"}, "footer": "24h",
			"buttons": []map[string]any{{"id": "+5511999999999", "displayText": "Call", "type": "CALL"}}},
	}})
	im := s.inbox(bob, car.Str("messageId")).Message.GetInteractiveMessage()
	cards := im.GetCarouselMessage().GetCards()
	if im.GetBody().GetText() != "This week" || len(cards) != 2 || cards[0].GetHeader().GetTitle() != "Promo" || cards[0].GetBody().GetText() != "Two for one" ||
		cards[1].GetFooter().GetText() != "24h" || len(cards[0].GetNativeFlowMessage().GetButtons()) != 2 ||
		cards[0].GetNativeFlowMessage().GetButtons()[0].GetName() != "quick_reply" || cards[0].GetNativeFlowMessage().GetButtons()[1].GetName() != "cta_copy" ||
		cards[1].GetNativeFlowMessage().GetButtons()[0].GetName() != "cta_call" {
		t.Fatalf("carousel at the phone: %v", im)
	}
	cardImage, err := s.e.App.Sim().PhoneDownload(cards[0].GetHeader().GetImageMessage(), whatsmeow.MediaImage)
	if err != nil || sha256.Sum256(cardImage) != sha256.Sum256(png) {
		t.Fatalf("the phone fetched a card image of %d bytes (%v)", len(cardImage), err)
	}
	if car.Str("data.messageType") != "interactive" || car.Str("data.content") != "This week - Carousel with 2 card(s)" {
		t.Fatalf("carousel answer: %s", car.Raw)
	}

	form := s.sent("form", map[string]any{"number": bob, "message": "Tell us about you", "formType": "contact_details", "flowId": "987",
		"buttonLabel": "Fill in", "fullNameVisible": true, "emailVisible": true})
	fm := s.inbox(bob, form.Str("messageId")).Message.GetInteractiveMessage()
	fb := fm.GetNativeFlowMessage().GetButtons()
	var flow struct {
		FlowID  string `json:"flow_id"`
		CTA     string `json:"flow_cta"`
		Payload struct {
			Data struct {
				FormType string          `json:"form_type"`
				Fields   map[string]bool `json:"fields"`
			} `json:"data"`
		} `json:"flow_action_payload"`
	}
	if fm.GetBody().GetText() != "Tell us about you" || len(fb) != 1 || fb[0].GetName() != "galaxy_message" ||
		json.Unmarshal([]byte(fb[0].GetButtonParamsJSON()), &flow) != nil || flow.FlowID != "987" || flow.CTA != "Fill in" ||
		flow.Payload.Data.FormType != "contact_details" || !flow.Payload.Data.Fields["email"] || flow.Payload.Data.Fields["phone_number"] {
		t.Fatalf("form at the phone: %v", fm)
	}
	raw := s.sent("form", map[string]any{"number": bob, "message": "custom", "buttonParamsJSON": `{"flow_id":"1","flow_cta":"Go"}`})
	if p := s.inbox(bob, raw.Str("messageId")).Message.GetInteractiveMessage().GetNativeFlowMessage().GetButtons()[0].GetButtonParamsJSON(); p != `{"flow_id":"1","flow_cta":"Go"}` {
		t.Fatalf("escape-hatch parameters at the phone: %q", p)
	}
	s.send("form", map[string]any{"number": bob, "message": "x", "formType": "survey"}).
		WantError(http.StatusBadRequest, "formType must be contact_details or registration_offer")

	pix := s.sent("pix", map[string]any{"number": bob, "merchantName": "Loja Exemplo", "pixKey": "12345678909", "pixKeyType": "cpf",
		"message": "Pay with PIX", "items": []map[string]any{{"name": "Coffee", "quantity": 2, "unitPrice": map[string]any{"value": 750, "offset": 100}}}})
	pm := s.inbox(bob, pix.Str("messageId")).Message.GetInteractiveMessage()
	pb := pm.GetNativeFlowMessage().GetButtons()
	var pay struct {
		Currency string `json:"currency"`
		Total    struct {
			Value int64 `json:"value"`
		} `json:"total_amount"`
		Settings []struct {
			Type   string            `json:"type"`
			Static map[string]string `json:"pix_static_code"`
		} `json:"payment_settings"`
	}
	if pm.GetBody().GetText() != "Pay with PIX" || len(pb) != 1 || pb[0].GetName() != "payment_info" ||
		json.Unmarshal([]byte(pb[0].GetButtonParamsJSON()), &pay) != nil || pay.Currency != "BRL" || pay.Total.Value != 1500 ||
		len(pay.Settings) != 1 || pay.Settings[0].Type != "pix_static_code" || pay.Settings[0].Static["key"] != "12345678909" ||
		pay.Settings[0].Static["key_type"] != "CPF" || pay.Settings[0].Static["merchant_name"] != "Loja Exemplo" {
		t.Fatalf("PIX at the phone: %v", pm)
	}
	s.send("pix", map[string]any{"number": bob, "merchantName": "L", "pixKey": "123.456.789-09", "pixKeyType": "CPF"}).
		WantError(http.StatusBadRequest, "pixKey must be digits only for CPF and CNPJ keys")

	stored := s.stored(pix.Str("messageId"))
	if stored.Str("data.type") != "interactive" {
		t.Fatalf("stored PIX: %s", stored.Raw)
	}
}
