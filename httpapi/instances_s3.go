package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchboard/switchboard"
)

// RyzeAPI 2.1.11: an instance's S3 (or S3-compatible) bucket for incoming media. The secret key
// is sealed like proxy passwords and never returned; {"enabled": false} deletes the stored
// configuration, credentials included.

type s3Request struct {
	Enabled    *bool   `json:"enabled"`
	Region     string  `json:"region"`
	Bucket     string  `json:"bucket"`
	AccessKey  string  `json:"accessKey"`
	SecretKey  *string `json:"secretKey"`
	Endpoint   string  `json:"endpoint"`
	PathPrefix string  `json:"pathPrefix"`
}

// s3JSON is the configuration as the update echoes it: without the secret key.
type s3JSON struct {
	Enabled    bool   `json:"enabled"`
	Region     string `json:"region"`
	Bucket     string `json:"bucket"`
	AccessKey  string `json:"accessKey"`
	Endpoint   string `json:"endpoint"`
	PathPrefix string `json:"pathPrefix"`
}

// s3ReadJSON is the configuration as the read returns it: secretKey always null (RyzeAPI).
type s3ReadJSON struct {
	s3JSON
	SecretKey *string `json:"secretKey"`
}

type s3UpdateResponse struct {
	envelope
	S3 s3JSON `json:"s3"`
}

type s3GetResponse struct {
	envelope
	S3 s3ReadJSON `json:"s3"`
}

const (
	msgS3Updated      = "S3 configuration updated"
	msgS3Retrieved    = "S3 configuration retrieved successfully"
	msgS3UpdateFailed = "Failed to update S3 configuration"
	msgS3GetFailed    = "Failed to get S3 configuration"
)

var errS3Off = &switchboard.Error{Code: switchboard.CodeNotImplemented, Message: "S3 is not enabled on this server"}

func newS3JSON(c *switchboard.S3Config) s3JSON {
	if c == nil {
		return s3JSON{}
	}
	return s3JSON{Enabled: true, Region: c.Region, Bucket: c.Bucket, AccessKey: c.AccessKey, Endpoint: c.Endpoint, PathPrefix: c.PathPrefix}
}

// handleS3Get returns the instance's bucket; without one, enabled false and empty fields.
func (s *Server) handleS3Get(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if s.cfg.S3 == nil {
		return errS3Off
	}
	c, err := s.cfg.S3.S3ConfigOf(r.Context(), inst.ID)
	if err != nil && !errors.Is(err, switchboard.ErrNotFound) {
		return switchboard.Wrap(switchboard.CodeInternal, msgS3GetFailed, err)
	}
	writeJSON(w, http.StatusOK, s3GetResponse{envelope: ok(msgS3Retrieved), S3: s3ReadJSON{s3JSON: newS3JSON(c)}})
	return nil
}

// handleS3Update sets or deletes the instance's bucket. The secret key is never returned, so a
// client that reads the configuration and writes it back cannot send it: an omitted secretKey
// keeps the stored one while endpoint and accessKey are unchanged (the same credential for the
// same service), and is required otherwise.
func (s *Server) handleS3Update(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	if s.cfg.S3 == nil {
		return errS3Off
	}
	var req s3Request
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return &bodyError{detail: "enabled is required"}
	}
	if !*req.Enabled {
		if err := s.cfg.S3.SetS3Config(r.Context(), inst.ID, nil); err != nil {
			return failed(msgS3UpdateFailed, err)
		}
		writeJSON(w, http.StatusOK, s3UpdateResponse{envelope: ok(msgS3Updated), S3: newS3JSON(nil)})
		return nil
	}
	c, err := s.saveS3(r, inst, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s3UpdateResponse{envelope: ok(msgS3Updated), S3: newS3JSON(c)})
	return nil
}

// saveS3 checks an enabling request, seals (or keeps) the secret key and stores the bucket.
func (s *Server) saveS3(r *http.Request, inst *switchboard.Instance, req s3Request) (*switchboard.S3Config, error) {
	c, err := s.s3Config(req)
	if err != nil {
		return nil, err
	}
	if req.SecretKey == nil {
		old, err := s.cfg.S3.S3ConfigOf(r.Context(), inst.ID)
		switch {
		case err == nil && old.Endpoint == c.Endpoint && old.AccessKey == c.AccessKey:
			c.SecretSealed = old.SecretSealed
		case err == nil || errors.Is(err, switchboard.ErrNotFound):
			return nil, &bodyError{detail: "secretKey is required (it is kept only while endpoint and accessKey are unchanged)"}
		default:
			return nil, switchboard.Wrap(switchboard.CodeInternal, msgS3UpdateFailed, err)
		}
	} else {
		if err := s.canSealPasswords("secretKey"); err != nil {
			return nil, err
		}
		if c.SecretSealed, err = s.cfg.Sealer.Seal([]byte(*req.SecretKey), inst.ID); err != nil {
			return nil, switchboard.Wrap(switchboard.CodeInternal, msgS3UpdateFailed, err)
		}
	}
	if err := s.cfg.S3.SetS3Config(r.Context(), inst.ID, c); err != nil {
		return nil, failed(msgS3UpdateFailed, err)
	}
	return c, nil
}

// createS3 configures the inline S3 block of POST /api/instance/new, log-and-continue like the
// webhook block: a bad block leaves the instance created, with s3.enabled false and the reason
// in s3.error.
func (s *Server) createS3(r *http.Request, inst *switchboard.Instance, req createInstanceRequest) integrationJSON {
	if !req.S3Enabled {
		return integrationJSON{}
	}
	if s.cfg.S3 == nil {
		return integrationJSON{Error: errS3Off.Message}
	}
	enabled := true
	_, err := s.saveS3(r, inst, s3Request{Enabled: &enabled, Region: req.S3Region, Bucket: req.S3Bucket, AccessKey: req.S3AccessKey,
		SecretKey: req.S3SecretKey, Endpoint: req.S3Endpoint, PathPrefix: req.S3PathPrefix})
	if err != nil {
		s.requestLogger(r).Info("instance created without its S3 storage", "err", err)
		msg := switchboard.ErrorMessageOf(err)
		if be, ok := err.(*bodyError); ok {
			msg = "s3: " + be.detail // which field was wrong, as the route's detail says
		}
		return integrationJSON{Error: msg}
	}
	return integrationJSON{Enabled: true}
}
