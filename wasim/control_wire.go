package wasim

import (
	"errors"
	"net/http"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim/internal/groupsim"
)

// Bodies of the control API (control.go). JIDs travel as whatsmeow writes them
// ("15551234567:1@s.whatsapp.net"); field names are camelCase like the gateway's API.

type controlScanRequest struct {
	QRCode string `json:"qrCode"`
	Phone  string `json:"phone,omitempty"`
}

type controlPairCodeRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

type controlPhoneRequest struct {
	Phone    string `json:"phone,omitempty"`
	PushName string `json:"pushName,omitempty"`
}

type controlJID struct {
	JID types.JID `json:"jid"`
}

type controlLID struct {
	LID types.JID `json:"lid"`
}

type controlGroupRequest struct {
	Owner        types.JID   `json:"owner"`
	Name         string      `json:"name"`
	Participants []types.JID `json:"participants,omitempty"`
	Admins       []types.JID `json:"admins,omitempty"`
	IsCommunity  bool        `json:"isCommunity,omitempty"`
	Parent       types.JID   `json:"parent"`
	Description  string      `json:"description,omitempty"`
}

func (g controlGroupRequest) toRequest() CreateGroupRequest {
	return CreateGroupRequest{
		Owner: g.Owner, Name: g.Name, Participants: g.Participants, Admins: g.Admins,
		IsCommunity: g.IsCommunity, Parent: g.Parent, Description: g.Description,
	}
}

func groupRequestToWire(r CreateGroupRequest) controlGroupRequest {
	return controlGroupRequest{
		Owner: r.Owner, Name: r.Name, Participants: r.Participants, Admins: r.Admins,
		IsCommunity: r.IsCommunity, Parent: r.Parent, Description: r.Description,
	}
}

// controlGroup is a GroupView on the wire, field for field.
type controlGroup struct {
	JID               types.JID            `json:"jid"`
	Name              string               `json:"name"`
	Description       string               `json:"description"`
	IsCommunity       bool                 `json:"isCommunity"`
	IsDefaultSubGroup bool                 `json:"isDefaultSubGroup"`
	Parent            types.JID            `json:"parent"`
	Participants      []controlParticipant `json:"participants"`
	SubGroups         []types.JID          `json:"subGroups"`
	InviteCode        string               `json:"inviteCode"`
	Announce          bool                 `json:"announce"`
	Locked            bool                 `json:"locked"`
	JoinApproval      bool                 `json:"joinApproval"`
	MemberAddMode     string               `json:"memberAddMode"`
	Ephemeral         uint32               `json:"ephemeral"`
	PictureID         string               `json:"pictureId"`
	Creation          time.Time            `json:"creation"`
	Creator           types.JID            `json:"creator"`
	PendingRequests   []types.JID          `json:"pendingRequests"`
}

type controlParticipant struct {
	JID  types.JID `json:"jid"`
	LID  types.JID `json:"lid"`
	Role string    `json:"role"`
}

func groupToWire(v GroupView) controlGroup {
	g := controlGroup{
		JID: v.JID, Name: v.Name, Description: v.Description, IsCommunity: v.IsCommunity,
		IsDefaultSubGroup: v.IsDefaultSubGroup, Parent: v.Parent, SubGroups: v.SubGroups,
		InviteCode: v.InviteCode, Announce: v.Announce, Locked: v.Locked, JoinApproval: v.JoinApproval,
		MemberAddMode: v.MemberAddMode, Ephemeral: v.Ephemeral, PictureID: v.PictureID,
		Creation: v.Creation, Creator: v.Creator, PendingRequests: v.PendingRequests,
	}
	if v.Participants != nil {
		g.Participants = make([]controlParticipant, 0, len(v.Participants))
	}
	for _, p := range v.Participants {
		g.Participants = append(g.Participants, controlParticipant(p))
	}
	return g
}

func (g controlGroup) view() GroupView {
	v := GroupView{
		JID: g.JID, Name: g.Name, Description: g.Description, IsCommunity: g.IsCommunity,
		IsDefaultSubGroup: g.IsDefaultSubGroup, Parent: g.Parent, SubGroups: g.SubGroups,
		InviteCode: g.InviteCode, Announce: g.Announce, Locked: g.Locked, JoinApproval: g.JoinApproval,
		MemberAddMode: g.MemberAddMode, Ephemeral: g.Ephemeral, PictureID: g.PictureID,
		Creation: g.Creation, Creator: g.Creator, PendingRequests: g.PendingRequests,
	}
	if g.Participants != nil {
		v.Participants = make([]ParticipantView, 0, len(g.Participants))
	}
	for _, p := range g.Participants {
		v.Participants = append(v.Participants, ParticipantView(p))
	}
	return v
}

// controlFault is a FaultRule on the wire; Times counts like FaultRule.Times (0 once, negative
// forever).
type controlFault struct {
	Phone       string `json:"phone,omitempty"`
	Match       string `json:"match"`
	To          string `json:"to,omitempty"`
	Code        int    `json:"code,omitempty"`
	Text        string `json:"text,omitempty"`
	Times       int    `json:"times,omitempty"`
	DelayMillis int64  `json:"delayMs,omitempty"`
	Drop        bool   `json:"drop,omitempty"`
}

type controlErrorBody struct {
	Error controlErrorDetail `json:"error"`
}

type controlErrorDetail struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Code and Text are the group engine's IQ error, for kind "group".
	Code int    `json:"code,omitempty"`
	Text string `json:"text,omitempty"`
}

// controlFailure turns a Server error into the control API's status and body. The message is the
// error's own text, so the client can return an error that reads exactly like the in-process one.
func controlFailure(err error) (int, controlErrorBody) {
	detail := controlErrorDetail{Message: err.Error()}
	status := http.StatusUnprocessableEntity // the simulator refused the request
	var groupErr *groupsim.Error
	switch {
	case errors.Is(err, ErrNoPendingPairing):
		status, detail.Kind = http.StatusNotFound, kindNoPendingPairing
	case errors.Is(err, ErrUnknownPhone):
		status, detail.Kind = http.StatusNotFound, kindUnknownPhone
	case errors.Is(err, errGroupNotFound):
		status, detail.Kind = http.StatusNotFound, kindNotFound
	case errors.As(err, &groupErr):
		detail.Kind, detail.Code, detail.Text = kindGroup, groupErr.Code, groupErr.Text
	case errors.Is(err, errBadControlRequest):
		status, detail.Kind = http.StatusBadRequest, kindInvalid
	default:
		detail.Kind = kindInvalid
	}
	return status, controlErrorBody{Error: detail}
}

// controlError is a failure the simulator reported through the control API. It reads like the
// error the Server returned and matches the same sentinel with errors.Is.
type controlError struct {
	message  string
	sentinel error
}

func (e *controlError) Error() string { return e.message }
func (e *controlError) Unwrap() error { return e.sentinel }

// errorFromWire rebuilds the Server's error from a control API failure.
func errorFromWire(d controlErrorDetail) error {
	switch d.Kind {
	case kindNoPendingPairing:
		return &controlError{message: d.Message, sentinel: ErrNoPendingPairing}
	case kindUnknownPhone:
		return &controlError{message: d.Message, sentinel: ErrUnknownPhone}
	case kindNotFound:
		return &controlError{message: d.Message, sentinel: errGroupNotFound}
	case kindGroup:
		return &groupsim.Error{Code: d.Code, Text: d.Text}
	default:
		return &controlError{message: d.Message}
	}
}
