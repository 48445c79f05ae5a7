package wasim

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// PhoneInbox is the control API's view of a phone's inbox (Server.Inbox
// and Server.Calls in JSON: messages carry their content as protojson).
type PhoneInbox = controlInbox

// Inbox is Server.Inbox (plus the calls) over the control API; a zero since
// returns everything.
func (c *ControlClient) Inbox(ctx context.Context, phone string, since time.Time) (PhoneInbox, error) {
	path := "/phones/" + url.PathEscape(phone) + "/inbox"
	if !since.IsZero() {
		path += "?since=" + url.QueryEscape(since.Format(time.RFC3339))
	}
	var out controlInbox
	err := c.call(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// PhoneSendMessage is Server.PhoneSendMessage.
func (c *ControlClient) PhoneSendMessage(ctx context.Context, phone string, m PhoneMessage) (string, error) {
	var out controlMessageID
	err := c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/messages", m, &out)
	return out.ID, err
}

// PhoneMarkRead is Server.PhoneMarkRead.
func (c *ControlClient) PhoneMarkRead(ctx context.Context, phone string, chat types.JID, ids []string) error {
	return c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/receipts",
		controlReceiptRequest{Chat: chat.String(), IDs: ids}, &struct{}{})
}

// PhoneReceipt is Server.PhoneReceipt.
func (c *ControlClient) PhoneReceipt(ctx context.Context, phone string, chat types.JID, ids []string, typ string) error {
	return c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/receipts",
		controlReceiptRequest{Chat: chat.String(), IDs: ids, Type: typ}, &struct{}{})
}

// PhonePresence is SetPhonePresence (available, unavailable) or
// PhoneChatState (composing, recording, paused in chat to).
func (c *ControlClient) PhonePresence(ctx context.Context, phone, to, state string) error {
	return c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/presence",
		controlPresenceRequest{To: to, State: state}, &struct{}{})
}

// PhoneCall is Server.PhoneCall.
func (c *ControlClient) PhoneCall(ctx context.Context, phone string, to types.JID, action, callID string) (string, error) {
	var out controlCallID
	err := c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/calls",
		controlCallRequest{To: to.String(), Action: action, CallID: callID}, &out)
	return out.CallID, err
}

// SetPrivacy is Server.SetPrivacy.
func (c *ControlClient) SetPrivacy(ctx context.Context, phone, name, value string) error {
	return c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/privacy",
		controlPrivacyRequest{Name: name, Value: value}, &struct{}{})
}

// SetPhoneAutoRead is Server.SetPhoneAutoRead.
func (c *ControlClient) SetPhoneAutoRead(ctx context.Context, phone string, on bool) error {
	return c.call(ctx, http.MethodPost, "/phones/"+url.PathEscape(phone)+"/auto-read",
		controlAutoReadRequest{On: on}, &struct{}{})
}
