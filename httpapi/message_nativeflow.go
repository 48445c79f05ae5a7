package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type sendFormRequest struct {
	sendCommon
	Message                string `json:"message"`
	Footer                 string `json:"footer"`
	FormType               string `json:"formType"`
	ButtonLabel            string `json:"buttonLabel"`
	FlowToken              string `json:"flowToken"`
	FlowID                 string `json:"flowId"`
	FlowMessageVersion     string `json:"flowMessageVersion"`
	MessageVersion         int    `json:"messageVersion"`
	ButtonParamsJSON       string `json:"buttonParamsJSON"`
	FullNameVisible        bool   `json:"fullNameVisible"`
	PhoneNumberVisible     bool   `json:"phoneNumberVisible"`
	EmailVisible           bool   `json:"emailVisible"`
	CPFOrCNPJVisible       bool   `json:"cpfOrCnpjVisible"`
	DeliveryAddressVisible bool   `json:"deliveryAddressVisible"`
	OfferName              string `json:"offerName"`
	OfferDescription       string `json:"offerDescription"`
}

// handleSendForm sends a native-flow message whose button opens a WhatsApp Flow form (RyzeAPI
// §2.6.11). buttonParamsJSON, when given, is sent as the button's parameters unchanged (the
// reference's escape hatch); otherwise they are built from the flow fields, with the form's
// type and visible fields in flow_action_payload.data for the flow to read.
func (s *Server) handleSendForm(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendFormRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Message) == "" {
		return invalid("message is required")
	}
	params := strings.TrimSpace(req.ButtonParamsJSON)
	if params != "" {
		var obj map[string]any
		if json.Unmarshal([]byte(params), &obj) != nil {
			return invalid("buttonParamsJSON must be a JSON object")
		}
	} else {
		var err error
		if params, err = formParams(&req); err != nil {
			return err
		}
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageInteractive, false)
	if err != nil {
		return err
	}
	plan.msg.Form = &switchboard.Form{Body: req.Message, Footer: req.Footer, ButtonName: "galaxy_message", ParamsJSON: params, MessageVersion: req.MessageVersion}
	plan.content = &req.Message
	return s.send(w, r, inst, plan)
}

// formParams builds the galaxy_message button's parameters from the form fields.
func formParams(req *sendFormRequest) (string, error) {
	switch req.FormType {
	case "contact_details", "registration_offer":
	case "":
		return "", invalid("formType is required: contact_details or registration_offer (or send buttonParamsJSON)")
	default:
		return "", invalid("formType must be contact_details or registration_offer")
	}
	label := strings.TrimSpace(req.ButtonLabel)
	if label == "" {
		label = "Open form"
	}
	version := req.FlowMessageVersion
	if version == "" {
		version = "3"
	}
	token := req.FlowToken
	if token == "" {
		token = "unused" // WhatsApp requires one; flows that do not check it accept any
	}
	data := map[string]any{
		"form_type": req.FormType,
		"fields": map[string]bool{
			"full_name": req.FullNameVisible, "phone_number": req.PhoneNumberVisible, "email": req.EmailVisible,
			"cpf_or_cnpj": req.CPFOrCNPJVisible, "delivery_address": req.DeliveryAddressVisible,
		},
	}
	if req.FormType == "registration_offer" {
		data["offer"] = map[string]string{"name": req.OfferName, "description": req.OfferDescription}
	}
	raw, err := json.Marshal(map[string]any{
		"flow_message_version": version, "flow_token": token, "flow_id": req.FlowID, "flow_cta": label,
		"flow_action": "navigate", "flow_action_payload": map[string]any{"data": data},
	})
	return string(raw), err
}

type pixAmountJSON struct {
	Value  int64 `json:"value"`
	Offset int64 `json:"offset"`
}

type pixItemJSON struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Quantity    *int           `json:"quantity"`
	UnitPrice   *pixAmountJSON `json:"unitPrice"`
}

type sendPixRequest struct {
	sendCommon
	MerchantName string        `json:"merchantName"`
	PixKey       string        `json:"pixKey"`
	PixKeyType   string        `json:"pixKeyType"`
	Message      string        `json:"message"`
	Items        []pixItemJSON `json:"items"`
}

// pixKeyTypes are the PIX key kinds (EVP is the random key).
var pixKeyTypes = map[string]bool{"CPF": true, "CNPJ": true, "EMAIL": true, "PHONE": true, "EVP": true}

// handleSendPix sends a PIX "copy the key" card (RyzeAPI §2.6.12). Purely visual: no charge is
// created. unitPrice is WhatsApp's amount object: value/offset, e.g. {"value": 1990,
// "offset": 100} for R$ 19,90 (offset defaults to 100).
func (s *Server) handleSendPix(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendPixRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	keyType := strings.ToUpper(strings.TrimSpace(req.PixKeyType))
	key := strings.TrimSpace(req.PixKey)
	switch {
	case strings.TrimSpace(req.MerchantName) == "":
		return invalid("merchantName is required")
	case key == "":
		return invalid("pixKey is required")
	case !pixKeyTypes[keyType]:
		return invalid("pixKeyType must be CPF, CNPJ, EMAIL, PHONE or EVP")
	case (keyType == "CPF" || keyType == "CNPJ") && switchboard.PhoneDigits(key) != key:
		return invalid("pixKey must be digits only for CPF and CNPJ keys")
	}
	pix := &switchboard.Pix{Body: req.Message, MerchantName: req.MerchantName, Key: key, KeyType: keyType}
	for i, it := range req.Items {
		if strings.TrimSpace(it.Name) == "" {
			return invalid(fmt.Sprintf("items[%d].name is required", i))
		}
		item := switchboard.PixItem{Name: it.Name, Description: it.Description, Quantity: 1}
		if it.Quantity != nil {
			if *it.Quantity < 1 {
				return invalid(fmt.Sprintf("items[%d].quantity must be at least 1", i))
			}
			item.Quantity = *it.Quantity
		}
		if p := it.UnitPrice; p != nil {
			offset := p.Offset
			if offset == 0 {
				offset = 100
			}
			if p.Value < 0 || offset < 0 {
				return invalid(fmt.Sprintf("items[%d].unitPrice must not be negative", i))
			}
			item.UnitCents = p.Value * 100 / offset
		}
		pix.Items = append(pix.Items, item)
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageInteractive, false)
	if err != nil {
		return err
	}
	plan.msg.Pix = pix
	content := req.Message
	if content == "" {
		content = "PIX " + req.MerchantName
	}
	plan.content = &content
	return s.send(w, r, inst, plan)
}
