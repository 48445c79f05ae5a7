package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type buttonJSON struct {
	ID          string `json:"id"`
	DisplayText string `json:"displayText"`
	Type        string `json:"type"`
}

// buttons reads a route's buttons: each needs an id and a text; type is REPLY (default), URL,
// CALL or COPY. field names the array in error messages.
func buttons(field string, in []buttonJSON) ([]switchboard.Button, error) {
	out := make([]switchboard.Button, 0, len(in))
	for i, b := range in {
		kind := switchboard.ButtonKind(strings.ToUpper(strings.TrimSpace(b.Type)))
		switch kind {
		case "":
			kind = switchboard.ButtonReply
		case switchboard.ButtonReply, switchboard.ButtonURL, switchboard.ButtonCall, switchboard.ButtonCopy:
		default:
			return nil, invalid(fmt.Sprintf("%s[%d].type must be REPLY, URL, CALL or COPY", field, i))
		}
		if strings.TrimSpace(b.ID) == "" {
			return nil, invalid(fmt.Sprintf("%s[%d].id is required", field, i))
		}
		if strings.TrimSpace(b.DisplayText) == "" {
			return nil, invalid(fmt.Sprintf("%s[%d].displayText is required", field, i))
		}
		out = append(out, switchboard.Button{Kind: kind, ID: b.ID, Text: b.DisplayText})
	}
	return out, nil
}

type sendButtonsRequest struct {
	sendCommon
	ContentText string       `json:"contentText"`
	Buttons     []buttonJSON `json:"buttons"`
	HeaderText  string       `json:"headerText"`
	FooterText  string       `json:"footerText"`
	MediaURL    string       `json:"mediaUrl"`
	MediaType   string       `json:"mediaType"`
}

var headerMediaTypes = map[string]switchboard.MessageType{
	"IMAGE": switchboard.MessageImage, "VIDEO": switchboard.MessageVideo, "DOCUMENT": switchboard.MessageDocument,
}

// handleSendButtons sends up to 3 buttons under a text, with an optional text or media header
// (RyzeAPI §2.6.9). A media header replaces the text header, as the reference says.
func (s *Server) handleSendButtons(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendButtonsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.ContentText) == "" {
		return invalid("contentText is required")
	}
	if len(req.Buttons) < 1 || len(req.Buttons) > 3 {
		return invalid("buttons must have between 1 and 3 items")
	}
	bs, err := buttons("buttons", req.Buttons)
	if err != nil {
		return err
	}
	msg := &switchboard.Buttons{Header: req.HeaderText, Body: req.ContentText, Footer: req.FooterText, Buttons: bs}
	if strings.TrimSpace(req.MediaURL) != "" {
		typ, ok := headerMediaTypes[strings.ToUpper(strings.TrimSpace(req.MediaType))]
		if !ok {
			return invalid("mediaType must be IMAGE, VIDEO or DOCUMENT")
		}
		om, err := s.loadOutgoingMedia(r.Context(), typ, req.MediaURL, "", "", "")
		if err != nil {
			return err
		}
		defer om.close()
		msg.HeaderMedia = om.OutgoingMedia
		msg.HeaderType, msg.Header = typ, ""
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageButtons, false)
	if err != nil {
		return err
	}
	plan.msg.Buttons = msg
	plan.content = &req.ContentText
	return s.send(w, r, inst, plan)
}

type listRowJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type listSectionJSON struct {
	Title string        `json:"title"`
	Rows  []listRowJSON `json:"rows"`
}

type sendListRequest struct {
	sendCommon
	ContentText string            `json:"contentText"`
	ButtonText  string            `json:"buttonText"`
	Sections    []listSectionJSON `json:"sections"`
	HeaderText  string            `json:"headerText"`
	FooterText  string            `json:"footerText"`
}

// WhatsApp's limits on a list message, as the reference documents them.
const (
	maxListSections    = 10
	maxRowsPerSection  = 10
	maxRowsInAllOfList = 100
)

// handleSendList sends a list: a button that opens sections of rows (RyzeAPI §2.6.10).
func (s *Server) handleSendList(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendListRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.ContentText) == "":
		return invalid("contentText is required")
	case strings.TrimSpace(req.ButtonText) == "":
		return invalid("buttonText is required")
	case len(req.Sections) < 1 || len(req.Sections) > maxListSections:
		return invalid("sections must have between 1 and 10 items")
	}
	list := &switchboard.List{Title: req.HeaderText, Body: req.ContentText, Footer: req.FooterText, ButtonText: req.ButtonText}
	total := 0
	for i, sec := range req.Sections {
		if len(sec.Rows) < 1 || len(sec.Rows) > maxRowsPerSection {
			return invalid(fmt.Sprintf("sections[%d].rows must have between 1 and 10 items", i))
		}
		total += len(sec.Rows)
		out := switchboard.ListSection{Title: sec.Title}
		for j, row := range sec.Rows {
			if strings.TrimSpace(row.ID) == "" || strings.TrimSpace(row.Title) == "" {
				return invalid(fmt.Sprintf("sections[%d].rows[%d] needs an id and a title", i, j))
			}
			out.Rows = append(out.Rows, switchboard.ListRow{ID: row.ID, Title: row.Title, Description: row.Description})
		}
		list.Sections = append(list.Sections, out)
	}
	if total > maxRowsInAllOfList {
		return invalid("a list has at most 100 rows in all")
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageList, false)
	if err != nil {
		return err
	}
	plan.msg.List = list
	plan.content = &req.ContentText
	return s.send(w, r, inst, plan)
}
