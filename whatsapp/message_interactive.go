package whatsapp

import (
	"context"
	"encoding/json"
	"strconv"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard"
)

// The interactive sends are the business messages WhatsApp's own clients render:
//   - buttons: ButtonsMessage (whatsmeow adds the <biz><buttons/></biz> node); REPLY buttons are
//     RESPONSE buttons, URL/CALL/COPY are native-flow buttons (cta_url, cta_call, cta_copy);
//   - list: ListMessage, single select (whatsmeow adds <biz><list v="2" type="single_select"/>);
//   - carousel, form and PIX: InteractiveMessage, with a carousel of cards or one native-flow
//     button (galaxy_message for flows, payment_info for PIX).
// whatsmeow has no builder for them; the protos here follow what WhatsApp Business clients send.

func (c *messageClient) buildInteractive(ctx context.Context, m switchboard.OutgoingMessage, ci *waE2E.ContextInfo) (built, error) {
	switch {
	case m.Buttons != nil:
		return c.buildButtons(ctx, m.Buttons, ci)
	case m.List != nil:
		return built{msg: &waE2E.Message{ListMessage: listMessage(m.List, ci)}}, nil
	case m.Carousel != nil:
		return c.buildCarousel(ctx, m.Carousel, ci)
	case m.Form != nil:
		f := m.Form
		msg := &waE2E.InteractiveMessage{
			Body: &waE2E.InteractiveMessage_Body{Text: proto.String(f.Body)}, Footer: footer(f.Footer), ContextInfo: ci,
			InteractiveMessage: &waE2E.InteractiveMessage_NativeFlowMessage_{NativeFlowMessage: &waE2E.InteractiveMessage_NativeFlowMessage{
				Buttons:        []*waE2E.InteractiveMessage_NativeFlowMessage_NativeFlowButton{{Name: proto.String(f.ButtonName), ButtonParamsJSON: proto.String(f.ParamsJSON)}},
				MessageVersion: proto.Int32(int32(max(f.MessageVersion, 1))),
			}},
		}
		return built{msg: &waE2E.Message{InteractiveMessage: msg}}, nil
	case m.Pix != nil:
		msg := &waE2E.InteractiveMessage{
			Body: &waE2E.InteractiveMessage_Body{Text: proto.String(m.Pix.Body)}, ContextInfo: ci,
			InteractiveMessage: &waE2E.InteractiveMessage_NativeFlowMessage_{NativeFlowMessage: &waE2E.InteractiveMessage_NativeFlowMessage{
				Buttons:        []*waE2E.InteractiveMessage_NativeFlowMessage_NativeFlowButton{{Name: proto.String("payment_info"), ButtonParamsJSON: proto.String(PixParams(m.Pix, c.cli.GenerateMessageID()))}},
				MessageVersion: proto.Int32(1),
			}},
		}
		return built{msg: &waE2E.Message{InteractiveMessage: msg}}, nil
	}
	return built{}, switchboard.Errorf(switchboard.CodeInvalid, "an interactive message needs buttons, a list, cards, a form or a PIX card")
}

func (c *messageClient) buildButtons(ctx context.Context, b *switchboard.Buttons, ci *waE2E.ContextInfo) (built, error) {
	msg := &waE2E.ButtonsMessage{ContentText: proto.String(b.Body), FooterText: nonEmpty(b.Footer), ContextInfo: ci}
	for _, btn := range b.Buttons {
		msg.Buttons = append(msg.Buttons, buttonsButton(btn))
	}
	switch {
	case b.HeaderMedia != nil:
		up, err := c.buildMedia(ctx, switchboard.OutgoingMessage{Type: b.HeaderType, Media: b.HeaderMedia}, nil)
		if err != nil {
			return built{}, err
		}
		switch b.HeaderType {
		case switchboard.MessageImage:
			msg.HeaderType, msg.Header = waE2E.ButtonsMessage_IMAGE.Enum(), &waE2E.ButtonsMessage_ImageMessage{ImageMessage: up.msg.GetImageMessage()}
		case switchboard.MessageVideo:
			msg.HeaderType, msg.Header = waE2E.ButtonsMessage_VIDEO.Enum(), &waE2E.ButtonsMessage_VideoMessage{VideoMessage: up.msg.GetVideoMessage()}
		default:
			msg.HeaderType, msg.Header = waE2E.ButtonsMessage_DOCUMENT.Enum(), &waE2E.ButtonsMessage_DocumentMessage{DocumentMessage: up.msg.GetDocumentMessage()}
		}
	case b.Header != "":
		msg.HeaderType, msg.Header = waE2E.ButtonsMessage_TEXT.Enum(), &waE2E.ButtonsMessage_Text{Text: b.Header}
	default:
		msg.HeaderType = waE2E.ButtonsMessage_EMPTY.Enum()
	}
	return built{msg: &waE2E.Message{ButtonsMessage: msg}}, nil
}

// buttonsButton is a reply button as a RESPONSE button, any other kind as a native-flow one.
func buttonsButton(b switchboard.Button) *waE2E.ButtonsMessage_Button {
	out := &waE2E.ButtonsMessage_Button{ButtonText: &waE2E.ButtonsMessage_Button_ButtonText{DisplayText: proto.String(b.Text)}}
	if b.Kind == switchboard.ButtonReply || b.Kind == "" {
		out.ButtonID, out.Type = proto.String(b.ID), waE2E.ButtonsMessage_Button_RESPONSE.Enum()
		return out
	}
	name, params := NativeFlowButton(b)
	out.ButtonID = proto.String(b.ID)
	out.Type = waE2E.ButtonsMessage_Button_NATIVE_FLOW.Enum()
	out.NativeFlowInfo = &waE2E.ButtonsMessage_Button_NativeFlowInfo{Name: proto.String(name), ParamsJSON: proto.String(params)}
	return out
}

// NativeFlowButton is a button as WhatsApp's native-flow name and parameters.
func NativeFlowButton(b switchboard.Button) (name, params string) {
	p := map[string]string{"display_text": b.Text}
	switch b.Kind {
	case switchboard.ButtonURL:
		name, p["url"], p["merchant_url"] = "cta_url", b.ID, b.ID
	case switchboard.ButtonCall:
		name, p["phone_number"] = "cta_call", b.ID
	case switchboard.ButtonCopy:
		name, p["copy_code"], p["id"] = "cta_copy", b.ID, b.ID
	default:
		name, p["id"] = "quick_reply", b.ID
	}
	raw, _ := json.Marshal(p)
	return name, string(raw)
}

func listMessage(l *switchboard.List, ci *waE2E.ContextInfo) *waE2E.ListMessage {
	msg := &waE2E.ListMessage{
		Title: nonEmpty(l.Title), Description: proto.String(l.Body), ButtonText: proto.String(l.ButtonText),
		FooterText: nonEmpty(l.Footer), ListType: waE2E.ListMessage_SINGLE_SELECT.Enum(), ContextInfo: ci,
	}
	for _, s := range l.Sections {
		sec := &waE2E.ListMessage_Section{Title: proto.String(s.Title)}
		for _, r := range s.Rows {
			sec.Rows = append(sec.Rows, &waE2E.ListMessage_Row{RowID: proto.String(r.ID), Title: proto.String(r.Title), Description: nonEmpty(r.Description)})
		}
		msg.Sections = append(msg.Sections, sec)
	}
	return msg
}

func (c *messageClient) buildCarousel(ctx context.Context, k *switchboard.Carousel, ci *waE2E.ContextInfo) (built, error) {
	carousel := &waE2E.InteractiveMessage_CarouselMessage{MessageVersion: proto.Int32(1)}
	for _, card := range k.Cards {
		header := &waE2E.InteractiveMessage_Header{Title: proto.String(card.Title), Subtitle: nonEmpty(card.Subtitle), HasMediaAttachment: proto.Bool(card.Media != nil)}
		if card.Media != nil {
			up, err := c.buildMedia(ctx, switchboard.OutgoingMessage{Type: card.MediaType, Media: card.Media}, nil)
			if err != nil {
				return built{}, err
			}
			if card.MediaType == switchboard.MessageVideo {
				header.Media = &waE2E.InteractiveMessage_Header_VideoMessage{VideoMessage: up.msg.GetVideoMessage()}
			} else {
				header.Media = &waE2E.InteractiveMessage_Header_ImageMessage{ImageMessage: up.msg.GetImageMessage()}
			}
		}
		flow := &waE2E.InteractiveMessage_NativeFlowMessage{MessageVersion: proto.Int32(1)}
		for _, b := range card.Buttons {
			name, params := NativeFlowButton(b)
			flow.Buttons = append(flow.Buttons, &waE2E.InteractiveMessage_NativeFlowMessage_NativeFlowButton{Name: proto.String(name), ButtonParamsJSON: proto.String(params)})
		}
		carousel.Cards = append(carousel.Cards, &waE2E.InteractiveMessage{
			Header: header, Body: &waE2E.InteractiveMessage_Body{Text: proto.String(card.Body)}, Footer: footer(card.Footer),
			InteractiveMessage: &waE2E.InteractiveMessage_NativeFlowMessage_{NativeFlowMessage: flow},
		})
	}
	msg := &waE2E.InteractiveMessage{
		Body: &waE2E.InteractiveMessage_Body{Text: proto.String(k.Body)}, Footer: footer(k.Footer), ContextInfo: ci,
		InteractiveMessage: &waE2E.InteractiveMessage_CarouselMessage_{CarouselMessage: carousel},
	}
	return built{msg: &waE2E.Message{InteractiveMessage: msg}}, nil
}

func footer(text string) *waE2E.InteractiveMessage_Footer {
	if text == "" {
		return nil
	}
	return &waE2E.InteractiveMessage_Footer{Text: proto.String(text)}
}

type pixAmount struct {
	Value  int64 `json:"value"`
	Offset int   `json:"offset"`
}

func cents(v int64) pixAmount { return pixAmount{Value: v, Offset: 100} }

// PixParams is the payment_info button's parameters: a BRL order of the items with the payee's
// static PIX key, which WhatsApp shows as a "copy the key" card.
func PixParams(p *switchboard.Pix, referenceID string) string {
	type item struct {
		RetailerID string    `json:"retailer_id"`
		Name       string    `json:"name"`
		Amount     pixAmount `json:"amount"`
		Quantity   int       `json:"quantity"`
	}
	items := make([]item, 0, len(p.Items))
	for i, it := range p.Items {
		items = append(items, item{RetailerID: "item-" + strconv.Itoa(i+1), Name: it.Name, Amount: cents(it.UnitCents), Quantity: it.Quantity})
	}
	params := map[string]any{
		"currency":     "BRL",
		"total_amount": cents(p.Total()),
		"reference_id": referenceID,
		"type":         "physical-goods",
		"order": map[string]any{
			"status": "pending", "subtotal": cents(p.Total()), "order_type": "ORDER", "items": items,
		},
		"payment_settings": []map[string]any{{
			"type":            "pix_static_code",
			"pix_static_code": map[string]string{"merchant_name": p.MerchantName, "key": p.Key, "key_type": p.KeyType},
		}},
		"share_payment_status": false,
	}
	raw, _ := json.Marshal(params)
	return string(raw)
}
